"""The lake: every table of a Sitrep database as Parquet, for Spark (sitrep.engines.spark) and any
other reader of Parquet. `python -m sitrep lake export --db PATH --out DIR`.

Layout of DIR:

    manifest.json                    what the lake holds now: per table its schema, row count,
                                     content checksum, partition columns and folder; the data time
                                     and the source database's SHA-256
    tables/NAME/CHECKSUM/...         one folder per version of a table's content: part files, or
                                     hive-style partition folders (district_code=500105/...)

A reader reads manifest.json once and then only the folders it names. An export writes the
folders of tables whose content changed (an unchanged table keeps its folder: nothing is
rewritten), then replaces manifest.json in one rename: a reader sees the old lake or the new one,
never half of each. Folders no longer named by the new manifest or the one before it are removed
(a reader that opened the previous manifest a moment ago can still read its folders).

Partitioning (PARTITIONS): the large per-sample tables are split by day and, where they carry
one, by district, so a query for one district or one day reads only its folders. A partition
column that is not one of the table's own (sampled_date, the day of sampled_at) is derived at
export and listed under the table's `derived` columns in the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sitrep.personal import PERSONAL_TABLES, is_personal

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
# Table -> (partition columns, derived columns: name -> DuckDB expression over the table's own).
PARTITIONS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "testing_samples": (("sampled_date",), {"sampled_date": "cast(sampled_at as date)"}),
    "testing_tubes": (("district_code", "sampled_date"), {"sampled_date": "cast(sampled_at as date)"}),
}
# Tables not exported: personal data never leaves the application (sitrep.personal; no query reads
# `persons`), and import_log is the operational store's (moved out of the database).
NOT_EXPORTED = set(PERSONAL_TABLES) | {"import_log"}


@dataclass(frozen=True)
class ExportResult:
    out: Path
    tables_written: list[str]
    tables_kept: list[str]
    seconds: float
    bytes: int
    manifest: dict[str, Any]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    rows = con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_catalog = current_database() and table_schema = 'main' and table_name = $t "
        "order by ordinal_position", {"t": table}).fetchall()
    return [{"name": n, "type": t.lower(), "nullable": nullable == "YES"} for n, t, nullable in rows]


def _content_checksum(con: duckdb.DuckDBPyConnection, table: str, columns: list[dict[str, Any]]) -> tuple[int, str]:
    """Row count and a checksum of the table's rows, whatever their order: an import that changed
    nothing leaves it equal, so the table's folder is kept."""
    q = _quote(table)
    count, hashed, xored = con.execute(
        f"select count(*), coalesce(sum(hash(t)::hugeint), 0), coalesce(bit_xor(hash(t)), 0) from {q} t").fetchone()
    schema = json.dumps([(c["name"], c["type"]) for c in columns])
    key = f"{FORMAT_VERSION}|{schema}|{PARTITIONS.get(table)}|{count}|{hashed}|{xored}"
    return count, hashlib.sha256(key.encode()).hexdigest()[:16]


def read_manifest(lake: Path | str) -> dict[str, Any]:
    path = Path(lake) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"no lake at {lake}: {MANIFEST} is missing "
                                f"(write one with `python -m sitrep lake export --db PATH --out {lake}`)")
    return json.loads(path.read_text(encoding="utf-8"))


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def export(db: Path | str, out: Path | str, threads: int | None = None) -> ExportResult:
    """Write the database at `db` to the lake at `out` (created if missing), rewriting only the
    tables whose content changed, and switching readers to the new lake in one rename."""
    db = Path(db)
    if not db.exists():
        raise FileNotFoundError(f"no database at {db}")
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        con.execute("attach $path as src (read_only)", {"path": str(db)})
        con.execute("use src")
        source = {"path": str(db.resolve()), "sha256": file_sha256(db), "bytes": db.stat().st_size}
        return export_connection(con, out, source)
    finally:
        con.close()


def export_connection(con: duckdb.DuckDBPyConnection, out: Path | str,
                      source: dict[str, Any] | None = None) -> ExportResult:
    """Write the tables of `con`'s current database to the lake at `out` (see export); `source`
    describes where they come from, for the manifest."""
    from sitrep.db import table_names

    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(out) if (out / MANIFEST).exists() else None
    before = previous["tables"] if previous else {}
    con.execute("set enable_progress_bar = false")
    tables = [t for t in table_names(con) if t not in NOT_EXPORTED]
    info = dict(con.execute("select key, value from dataset_info").fetchall()) if "dataset_info" in tables else {}

    written, kept, entries = [], [], {}
    for table in tables:
        columns = _columns(con, table)
        personal = [c["name"] for c in columns if is_personal(c["name"])]
        if personal:
            raise ValueError(f"{table} holds personal columns {personal}: they never leave the application")
        count, checksum = _content_checksum(con, table, columns)
        partition_by, derived = PARTITIONS.get(table, ((), {}))
        folder = f"tables/{table}/{checksum}"
        entry = {"folder": folder, "rows": count, "checksum": checksum, "columns": columns,
                 "partition_by": list(partition_by),
                 "derived": [{"name": n, "type": "date", "expression": e} for n, e in derived.items()]}
        if before.get(table, {}).get("folder") == folder and (out / folder).is_dir():
            kept.append(table)
        else:
            _write_table(con, table, derived, partition_by, out, folder)
            written.append(table)
        entry["bytes"] = _folder_size(out / folder)
        entries[table] = entry

    manifest = {
        "format": FORMAT_VERSION,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": source,
        "data_as_of": info.get("data_as_of"),
        "dataset_info": info,
        "tables": entries,
    }
    _replace_manifest(out, manifest)
    _remove_unreferenced(out, manifest, previous)
    size = sum(e["bytes"] for e in entries.values())
    return ExportResult(out, written, kept, time.perf_counter() - started, size, manifest)


def _write_table(con: duckdb.DuckDBPyConnection, table: str, derived: dict[str, str],
                 partition_by: tuple[str, ...], out: Path, folder: str) -> None:
    """Write one table's folder next to where it goes, then rename it into place."""
    target = out / folder
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        extra = "".join(f", {expression} as {_quote(name)}" for name, expression in derived.items())
        select = f"select *{extra} from {_quote(table)}"
        if partition_by:
            cols = ", ".join(_quote(c) for c in partition_by)
            con.execute(f"copy ({select}) to '{staging}' "
                        f"(format parquet, compression zstd, partition_by ({cols}), overwrite_or_ignore)")
        else:
            con.execute(f"copy ({select}) to '{staging / 'part-0.parquet'}' (format parquet, compression zstd)")
        if target.exists():          # a folder left by an export that stopped before its manifest
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace_manifest(out: Path, manifest: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", dir=out)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out / MANIFEST)


def _remove_unreferenced(out: Path, manifest: dict[str, Any], previous: dict[str, Any] | None) -> None:
    keep = {e["folder"] for e in manifest["tables"].values()}
    keep |= {e["folder"] for e in (previous or {}).get("tables", {}).values()}
    tables_dir = out / "tables"
    for folder in tables_dir.glob("*/*"):
        if folder.relative_to(out).as_posix() not in keep and not folder.name.startswith("."):
            shutil.rmtree(folder, ignore_errors=True)
