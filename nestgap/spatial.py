"""PyNEST's ``nest.spatial``: nestgap has no spatial networks, so every name of it refuses clearly
(NotImplemented, "... not supported by nestgap") instead of being missing."""

from .exceptions import NotImplemented  # noqa: A004 -- NEST's name


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplemented(f"nest.spatial.{name}: spatial networks are not supported by nestgap.")
