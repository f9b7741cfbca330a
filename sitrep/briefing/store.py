"""Issued briefings, kept as files (never in the DuckDB file, which imports replace whole).

Issuing a briefing writes one folder under data/briefings/ (or $SITREP_BRIEFINGS_DIR):

    20220724-1800_20220805T090000_1ffc0347/
        snapshot.json    the canonical snapshot: every number the briefing showed
        meta.json        issued_at, issued_by, as_of, lang, snapshot_sha256, the files' SHA-256
        briefing.md / briefing.docx / briefing.pdf   as issued

Re-opening renders the stored snapshot again with the stored language and stamp, which gives
the stored files byte for byte (checked, and reported, by `reopen`). Comparing recomputes the
snapshot of the same as-of on today's data and lists every number that changed: data that
arrived late.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from sitrep.briefing.compose import compose_briefing, stamp_line
from sitrep.briefing.render import FORMATS, render
from sitrep.briefing.issued import ENV, Issued, _ID, briefings_dir, list_issued
from sitrep.briefing.snapshot import canonical_json, snapshot_sha256

__all__ = ["ENV", "Issued", "briefings_dir", "list_issued", "issue", "load", "reopen", "compare", "render_issued"]

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_issued(snapshot: dict, lang: str, issued_at: pd.Timestamp, issued_by: str) -> dict[str, bytes]:
    doc = compose_briefing(snapshot, lang)
    doc.stamp = stamp_line(issued_at, lang, issued_by)
    return {fmt: render(doc, fmt) for fmt in FORMATS}


def issue(snapshot: dict, issued_by: str, lang: str = "zh", issued_at: pd.Timestamp | None = None,
          directory: Path | None = None) -> Issued:
    """Keep the briefing of `snapshot` as issued by `issued_by` (free text) now."""
    issued_by = issued_by.strip()
    if not issued_by:
        raise ValueError("a briefing is issued by someone: give the issuer's name")
    issued_at = pd.Timestamp(issued_at if issued_at is not None else pd.Timestamp.now()).floor("s")
    sha = snapshot_sha256(snapshot)
    root = directory or briefings_dir()
    root.mkdir(parents=True, exist_ok=True)
    issue_id = f"{pd.Timestamp(snapshot['as_of']):%Y%m%d-%H%M}_{issued_at:%Y%m%dT%H%M%S}_{sha[:8]}"
    files = render_issued(snapshot, lang, issued_at, issued_by)
    meta = {
        "id": issue_id, "kind": "briefing", "as_of": snapshot["as_of"], "data_as_of": snapshot.get("data_as_of"),
        "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%S"), "issued_by": issued_by, "lang": lang,
        "snapshot_sha256": sha, "files": {f"briefing.{fmt}": _sha(data) for fmt, data in files.items()},
    }
    # Written into a temporary folder beside the final one, then renamed: a briefing is there
    # whole or not at all.
    staging = Path(tempfile.mkdtemp(prefix=".issuing-", dir=root))
    (staging / "snapshot.json").write_text(canonical_json(snapshot), encoding="utf-8")
    for fmt, data in files.items():
        (staging / f"briefing.{fmt}").write_bytes(data)
    (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    target = root / issue_id
    if target.exists():
        raise FileExistsError(f"{target} exists: the same briefing was issued in the same second")
    os.replace(staging, target)
    return Issued(issue_id, target, meta)


def load(issue_id: str, directory: Path | None = None) -> Issued:
    if not _ID.match(issue_id):
        raise ValueError(f"not an issued briefing's id: {issue_id!r}")
    path = (directory or briefings_dir()) / issue_id
    if not (path / "meta.json").is_file():
        raise FileNotFoundError(f"no issued briefing {issue_id} under {path.parent}")
    issued = Issued(issue_id, path, json.loads((path / "meta.json").read_text(encoding="utf-8")))
    stored = snapshot_sha256(issued.snapshot)
    if stored != issued.meta["snapshot_sha256"]:
        raise ValueError(f"{path}: snapshot.json does not match its recorded SHA-256 ({stored} != "
                         f"{issued.meta['snapshot_sha256']}): the file was changed after issue")
    return issued


def reopen(issued: Issued) -> tuple[dict[str, bytes], bool]:
    """The briefing rendered again from its stored snapshot, language and stamp, and whether
    that gives the stored files byte for byte."""
    files = render_issued(issued.snapshot, issued.meta["lang"], pd.Timestamp(issued.meta["issued_at"]),
                          issued.meta["issued_by"])
    same = all(_sha(data) == issued.meta["files"].get(f"briefing.{fmt}") for fmt, data in files.items())
    return files, same


# --- comparing an issued snapshot with today's view of the same moment ------------------------

_KEYS = ("rule_id", "district_code", "round_id", "metric_id", "date")


def _identity(item: dict) -> str:
    return "/".join(f"{k}={item[k]}" for k in _KEYS if k in item and item[k] is not None)


def _flatten(value, path: str, out: dict) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            _flatten(value[key], f"{path}.{key}" if path else key, out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            ident = _identity(item) or str(index)
            _flatten(item, f"{path}[{ident}]", out)
    else:
        out[path] = value


def compare(issued: dict, current: dict) -> list[dict]:
    """Every value that differs between two snapshots: where, issued value, current value.
    Red items, rounds and rows are matched by their ids, so an added or removed item shows as
    one row per field with None on the side that lacks it."""
    a, b = {}, {}
    _flatten(issued, "", a)
    _flatten(current, "", b)
    rows = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            where, _, field = key.rpartition(".")
            rows.append({"where": where, "field": field, "issued": a.get(key), "current": b.get(key)})
    return rows
