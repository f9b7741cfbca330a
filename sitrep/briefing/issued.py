"""The issued briefings' folder and its listing (sitrep/briefing/store.py issues, re-opens and
compares them). Apart from the store because the snapshot reads the listing (the follow-through
section counts from the previous briefing) and the store renders snapshots: neither imports the
other through this module."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sitrep import DATA_DIR

ENV = "SITREP_BRIEFINGS_DIR"
_ID = re.compile(r"^[0-9]{8}-[0-9]{4}_[0-9]{8}T[0-9]{6}_[0-9a-f]{8}$")


def briefings_dir() -> Path:
    return Path(os.environ.get(ENV) or DATA_DIR / "briefings")


@dataclass(frozen=True)
class Issued:
    id: str
    path: Path
    meta: dict

    @property
    def snapshot(self) -> dict:
        return json.loads((self.path / "snapshot.json").read_text(encoding="utf-8"))

    def file(self, fmt: str) -> bytes:
        return (self.path / f"briefing.{fmt}").read_bytes()


def list_issued(directory: Path | None = None) -> list[Issued]:
    """Issued briefings, newest issue first."""
    root = directory or briefings_dir()
    if not root.is_dir():
        return []
    out = []
    for path in root.iterdir():
        if _ID.match(path.name) and (path / "meta.json").is_file():
            out.append(Issued(path.name, path, json.loads((path / "meta.json").read_text(encoding="utf-8"))))
    return sorted(out, key=lambda i: (i.meta["issued_at"], i.id), reverse=True)
