"""Where nestgap keeps what it derives from model files (generated code, NEST modules)."""

import os
from pathlib import Path


def cache_root() -> Path:
    """``$NESTGAP_CACHE_DIR`` if set, else ``~/.cache/nestgap``; created on demand."""
    root = Path(os.environ.get("NESTGAP_CACHE_DIR") or Path.home() / ".cache" / "nestgap")
    root.mkdir(parents=True, exist_ok=True)
    return root
