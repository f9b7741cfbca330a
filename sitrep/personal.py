"""Which data is personal, written once: the tables and columns that hold names, ID-card numbers
and phones (queries/schema/02_people.sql keeps them in `persons` and only there).

Nothing personal leaves the application: the Data page does not offer a personal table, a CSV
export refuses a frame with a personal column (sitrep.export), intake sends these columns to
`persons` and masks them in its problem reports (sitrep.intake), and the tests check pages,
briefings and exports against the same sets. No role system exists yet that could allow more.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# Tables never offered for browsing or export.
PERSONAL_TABLES = frozenset({"persons"})

# Columns that identify a person. Intake resolves them to a person_id in `persons`; every other
# table keeps only that id. In order of the columns of `persons`.
PERSONAL_COLUMNS = ("full_name", "id_card_number", "phone")


class PersonalDataError(ValueError):
    """Personal data was about to leave the application (an export of a personal table or column)."""


def _name(column) -> str:
    return str(column).strip().lower()


def is_personal(column) -> bool:
    """True for a column that identifies a person (by its stored name; case and spaces ignored)."""
    return _name(column) in PERSONAL_COLUMNS


def is_personal_table(table: str) -> bool:
    return _name(table) in PERSONAL_TABLES


def personal_columns(columns: Iterable) -> list[str]:
    """The personal columns among `columns` (a frame's columns, or any names), in their order."""
    return [str(c) for c in columns if is_personal(c)]


def refuse_personal(frame: pd.DataFrame, what: str = "this export") -> None:
    """Raise PersonalDataError naming the personal columns of the frame, if it has any."""
    found = personal_columns(frame.columns)
    if found:
        raise PersonalDataError(f"{what} would hold personal data ({', '.join(found)}): personal columns are "
                                "never exported; leave them out of the query")


def refuse_table(table: str) -> None:
    if is_personal_table(table):
        raise PersonalDataError(f"table {table!r} holds personal data (names, ID-card numbers, phones) and is "
                                "never exported")
