"""Per-file (or per-example) records of one simulator's runs, as one JSON file saved after each record."""

import json
import threading
from pathlib import Path


class Store:
    """``data["files"][name] = record``; saved after every record, so that a long run can be interrupted."""

    def __init__(self, path: Path, **meta):
        self.path = path
        self.data = json.loads(path.read_text()) if path.exists() else {"files": {}}
        self.data.update(meta)
        self.lock = threading.Lock()

    def add(self, name: str, record: dict, line: str):
        """Store ``record`` under ``name`` and print ``line`` (the progress of a run)."""
        with self.lock:
            self.data["files"][name] = record
            self.save()
            print(line, flush=True)

    def save(self):
        self.path.write_text(json.dumps(self.data))
