"""The errors of ``nestgap build-nest-module``: each names what is wrong and how to fix it."""

from ..exceptions import ToolchainError


class NestModuleError(ToolchainError):
    """Building or loading a NEST extension module failed."""


class MissingPrerequisite(NestModuleError):
    """A tool, header or Python package that the build needs is not installed."""

    def __init__(self, what: str, remedy: str):
        self.what = what
        self.remedy = remedy
        super().__init__(f"{what} not found: {remedy}")


class PatchError(NestModuleError):
    """The code NESTML generated does not look as the post-processing expects.

    Raised instead of skipping a correction, so that a NESTML version whose
    output changed cannot silently produce a module with the known defects.
    """


class BuildError(NestModuleError):
    """cmake or the compiler failed; the message ends with the tail of the log."""


def debian_package_hint(package: str) -> str:
    return f"install the Debian package {package} (apt-get install -y {package})"
