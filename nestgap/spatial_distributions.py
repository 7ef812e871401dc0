"""PyNEST's ``nest.spatial_distributions``: distance-dependent parameters of spatial networks,
which nestgap does not have (every name refuses with NotImplemented)."""

from .exceptions import NotImplemented  # noqa: A004 -- NEST's name


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplemented(f"nest.spatial_distributions.{name}: spatial networks are not supported by nestgap.")
