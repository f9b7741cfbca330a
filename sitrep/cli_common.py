"""What the commands of `python -m sitrep` share: the database they read and the moment they
report on. sitrep.cli and sitrep.briefing.cli both import it, and neither imports the other's
helpers (tests/test_import_graph.py holds the package free of import cycles)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sitrep import database_path

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_DB_HELP = "default $SITREP_DB, else data/sitrep.duckdb"


def existing_database(db: str | None) -> Path:
    """The database file named by --db (else $SITREP_DB, else data/sitrep.duckdb); exits if missing."""
    path = Path(db) if db else database_path()
    if not path.exists():
        raise SystemExit(f"no database at {path}: build one with `python -m sitrep build-demo` or pass --db")
    return path


def connect_read(db: str | None):
    """A read-only connection to the database named by --db, with the staging views installed."""
    from sitrep.db import connect_read as connect, install_staging_views

    con = connect(existing_database(db))
    install_staging_views(con)
    return con


def as_of(con, text: str | None, data_as_of: str | None = None) -> pd.Timestamp:
    """The moment given by --as-of, else the newest moment the data reach (`data_as_of` where
    given, e.g. a lake's manifest, else the database's dataset_info)."""
    import pandas as pd

    from sitrep.db import dataset_info

    if text:
        try:
            return pd.Timestamp(text)
        except ValueError:
            raise SystemExit(f"--as-of: not a date and time: {text!r} (use e.g. '2022-07-28 18:00')")
    return pd.Timestamp(data_as_of if data_as_of is not None else dataset_info(con)["data_as_of"])
