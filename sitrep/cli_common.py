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


def acting(db: Path, by: str | None, permission: str, what: str, via: str = "cli") -> str:
    """Who a command that changes data or issues something acts as, checked against the role table.

    `--by` names them, else $SITREP_OPERATOR, else the operating-system user (logged as the actor).
    When that name is a Sitrep account, its role must allow `permission` and the account must be
    enabled; a refusal is audited and stops the command. A name without an account is the server's
    operator: whoever can run commands on the server can already read and replace its files, so
    the shell is the boundary there, and the audit log and import log keep the name."""
    import getpass
    import os

    from sitrep import access, audit, users

    name = by or os.environ.get("SITREP_OPERATOR") or getpass.getuser()
    try:
        known = users.account(db, name) is not None
    except users.UserError:                 # no such account (or not a login at all): the operator
        known = False
    user = users.user(db, name)
    disabled = known and user is None
    if disabled or (user is not None and not access.can(user, permission)):
        audit.record(db, audit.ACCESS_REFUSED, user=user or name, object=what, via=via, outcome=audit.REFUSED,
                     details={"permission": permission, "reason": "disabled" if disabled else "role"})
        why = "is disabled" if disabled else f"is a {user.role}, whose role may not {permission.replace('_', ' ')}"
        raise SystemExit(f"{what}: the account {name} {why} (sitrep.access); nothing was done")
    return name
