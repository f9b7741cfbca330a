"""Run the scenario's generators in order and write one DuckDB file, atomically.

The database is written to a temporary file beside the target and renamed into place only
when complete, so a crash or an interrupt never leaves a half-built database behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from sitrep import __version__
from sitrep.db import create_schema, table_names
from sitrep.scenario import areas, geography, isolation, outbreak, screening, testing
from sitrep.scenario.core import SCALES, Scenario

# (label, generator); each generator reads what earlier ones put in sc.tables.
STEPS = [
    ("geography", geography.generate),
    ("cases and contacts", outbreak.generate),
    ("risk areas", areas.generate),
    ("isolation rooms", isolation.generate),
    ("testing rounds", testing.generate),
    ("community screening", screening.generate),
]

Progress = Callable[[str, float], None]


def generate(seed: int = 20220713, scale: str = "demo", progress: Progress | None = None) -> Scenario:
    sc = Scenario(seed=seed, scale=SCALES[scale])
    for i, (label, step) in enumerate(STEPS):
        if progress:
            progress(label, i / (len(STEPS) + 1))
        sc.tables.update(step(sc))
    return sc


def build_database(out: Path | str, seed: int = 20220713, scale: str = "demo",
                   progress: Progress | None = None, alert_history: bool | None = None) -> Path:
    """Build the scenario's database at `out`, atomically, with its demo accounts and (by default
    for the demo scale; `alert_history` says otherwise) its follow-through history: the timeline
    replayed through the alerts (sitrep/scenario/alert_history.py)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sc = generate(seed=seed, scale=scale, progress=progress)
    if progress:
        progress("writing database", len(STEPS) / (len(STEPS) + 1))
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    for p in (tmp, Path(f"{tmp}.wal")):
        p.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            create_schema(con)
            # Keys starting with "_" are working state shared between generators.
            write_tables(con, {k: v for k, v in sc.tables.items() if not k.startswith("_")})
            info = {
                "scenario_seed": str(seed), "scenario_scale": scale,
                "scenario_start": str(sc.start), "data_as_of": str(sc.data_end),
                "generator_version": __version__, "time_zone": "Asia/Shanghai",
            }
            con.executemany("insert into dataset_info values (?, ?)", list(info.items()))
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    # The demo database comes with one demo account per role (README, "Demo accounts"), in the
    # operational store beside it; a database of real data never gets these.
    from sitrep.users import seed_demo_accounts
    seed_demo_accounts(out)
    if alert_history if alert_history is not None else scale == "demo":
        from sitrep.scenario.alert_history import replay

        def replaying(fraction: float) -> None:
            if progress:
                progress("replaying alerts", (len(STEPS) + fraction) / (len(STEPS) + 1))
        replay(out, seed, progress=replaying)
    if progress:
        progress("done", 1.0)
    return out


def write_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    schema_tables = set(table_names(con))
    unknown = set(tables) - schema_tables
    if unknown:
        raise ValueError(f"generator produced tables that the schema lacks: {sorted(unknown)}")
    for name, frame in tables.items():
        con.register("incoming_frame", frame)
        # Table names come from the schema, never from input; values travel as a frame.
        con.execute(f'insert into "{name}" by name select * from incoming_frame')
        con.unregister("incoming_frame")
