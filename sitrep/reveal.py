"""Personal data with a reason (issue 12): the drill-through lists that name people, shown masked,
and revealed in full only to a permitted role, for a stated reason, for a limited time, audited.

A list that names people is a drill-through of a registry rule whose rows are about people (an
overdue transfer is a contact, a missing re-test a case, an unregistered arrival a person). Its
query holds ids only; the names, ID-card numbers and phones come from queries/people/KIND.sql,
read through the same cursor as the list, so a district officer's reveal can only ever reach
people of their own districts (sitrep.db.install_scope).

Pure: no Streamlit (sitrep/ui/people.py draws it).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from sitrep import queries
from sitrep.personal import PERSONAL_COLUMNS, mask_value


@dataclass(frozen=True)
class PeopleList:
    rule_id: str           # the registry rule whose drill-through this is
    query: str             # the drill-through (ids only)
    id_column: str         # its column that names the row's person record
    people: str            # queries/people/KIND.sql: that record's name, ID-card number, phone
    ids_parameter: str     # the people query's list parameter
    people_id_column: str  # the people query's id column


# The drill-through lists that name people. (CON-FLOW's untested contacts have no drill-through
# list yet: nothing to reveal there.)
PEOPLE_LISTS: dict[str, PeopleList] = {p.rule_id: p for p in (
    PeopleList("CON-TRANSFER", "details/timeliness_items", "item_id", "people/contacts", "contact_ids", "contact_id"),
    PeopleList("CASE-RETEST", "details/case_retest_missing", "case_id", "people/cases", "case_ids", "case_id"),
    PeopleList("SCR-ARRIVAL", "details/scr_arrival_unregistered", "arrival_id", "people/arrivals", "arrival_ids",
               "arrival_id"),
)}

# Reasons a user picks from, and their words (sitrep/words/access.toml), plus free text.
REVEAL_REASONS = {
    "transfer_follow_up": "reveal_reason_transfer_follow_up",
    "contact_tracing": "reveal_reason_contact_tracing",
    "retest_follow_up": "reveal_reason_retest_follow_up",
    "arrival_registration": "reveal_reason_arrival_registration",
    "other": "reveal_reason_other",
}
# The people's columns beside a list's id, and their headers' words.
PEOPLE_HEADERS = {"full_name": "field_full_name", "id_card_number": "field_id_card_number", "phone": "field_phone"}
MIN_DETAIL_CHARS = 4     # the free text: at least a few characters, so "x" is not a reason


def people_of(con: duckdb.DuckDBPyConnection, plist: PeopleList, ids) -> pd.DataFrame:
    """Name, ID-card number and phone for the list's ids (ids the cursor cannot see give no row)."""
    wanted = sorted({int(i) for i in pd.Series(ids).dropna()})
    frame = queries.run(con, plist.people, **{plist.ids_parameter: wanted})
    return frame.rename(columns={plist.people_id_column: plist.id_column})


def with_people(rows: pd.DataFrame, people: pd.DataFrame, plist: PeopleList,
                revealed_ids: frozenset[int] = frozenset()) -> pd.DataFrame:
    """The list with its people's columns added after the id: masked (张*, 500105********001X,
    138****5678), except on the rows whose ids were revealed."""
    # Ids compare as text: a clock list's item_id is text (one column for contacts, cases, tasks).
    names = people.assign(__key=people[plist.id_column].astype(str)).drop(columns=plist.id_column)
    merged = rows.assign(__key=rows[plist.id_column].astype(str)).merge(names, how="left", on="__key")
    shown = merged["__key"].isin({str(i) for i in revealed_ids})
    for column in PERSONAL_COLUMNS:
        merged[column] = [value if is_shown else mask_value(value, column)
                          for value, is_shown in zip(merged[column], shown)]
    merged = merged.drop(columns="__key")
    order = list(rows.columns)
    at = order.index(plist.id_column) + 1
    return merged[order[:at] + list(PERSONAL_COLUMNS) + order[at:]]


def check_reason(reason: str, detail: str) -> str | None:
    """None when the reason will do; else the words key of what is missing."""
    if reason not in REVEAL_REASONS:
        return "reveal_reason_missing"
    if len((detail or "").strip()) < MIN_DETAIL_CHARS:
        return "reveal_detail_missing"
    return None
