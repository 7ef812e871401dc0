"""The one error a broken model file produces."""

from ..exceptions import ToolchainError


class ModelError(ToolchainError):
    """A model file that NESTML rejects, or that nestgap cannot simulate.

    ``str(error)`` starts with ``file:line:col`` of the first problem and lists
    every problem NESTML reported, one per line.
    """

    def __init__(self, path, problems):
        #: list of (line, column, message), in source order
        self.path = str(path)
        self.problems = sorted(problems, key=lambda p: (p[0] or 0, p[1] or 0))
        lines = [f"{self.path}:{line or '?'}:{col or '?'}: {message}"
                 for line, col, message in self.problems]
        super().__init__("\n".join(lines) if lines else f"{self.path}: invalid model file")
