"""Which data is personal, written once: the tables and columns that hold names, ID-card numbers
and phones (queries/schema/02_people.sql keeps them in `persons` and only there).

Nothing personal leaves the application: the Data page does not offer a personal table, a CSV
export refuses a frame with a personal column (sitrep.export), intake sends these columns to
`persons` and masks them in its problem reports (sitrep.intake), and the tests check pages,
briefings and exports against the same sets. The only way to see them is sitrep.reveal: a
drill-through list's people, masked, revealed to a permitted role for a reason, audited.
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


# --- recognising personal data by what it is ------------------------------------------------------
# A header is compared after normal_header (spaces, full-width forms and case do not count), so
# `身 份 证 号`, `ＩＤ＿ＣＡＲＤ` and `Full_Name` are the personal columns they look like. A value is
# personal if it looks like an ID-card number or a phone, whatever column it stands in.

import re as _re
import unicodedata as _unicodedata

# Headers that name a personal column, besides the column names themselves (the intake specs
# add theirs: report.personal_headers).
PERSONAL_HEADERS = {
    "full_name": ("姓名", "名字", "人员姓名", "name", "fullname"),
    "id_card_number": ("身份证号", "身份证号码", "身份证", "证件号码", "证件号", "idcard", "idcardnumber", "idnumber"),
    "phone": ("手机号", "手机号码", "手机", "联系电话", "电话", "电话号码", "phone", "mobile", "tel"),
}

# 18 characters (GB 11643) or the 15 digits of a first-generation card.
_ID_IN_TEXT = _re.compile(r"(?<![0-9A-Za-z])([0-9]{6})([0-9]{8}(?=[0-9]{3}[0-9Xx](?![0-9A-Za-z]))|[0-9]{5}(?=[0-9]{4}"
                          r"(?![0-9A-Za-z])))([0-9]{3}[0-9Xx]|[0-9]{4})(?![0-9A-Za-z])", _re.ASCII)
_MOBILE_IN_TEXT = _re.compile(r"(?<![0-9])((?:\+?86[\s-]?)?1[3-9][0-9])([\s-]?[0-9]{4})([\s-]?[0-9]{4})(?![0-9])",
                              _re.ASCII)
_LANDLINE_IN_TEXT = _re.compile(r"(?<![0-9])(0[0-9]{2,3}[\s-])([0-9]{3,4})([0-9]{4})(?![0-9])", _re.ASCII)
_LANDLINE_VALUE = _re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$", _re.ASCII)
_SEPARATORS = _re.compile(r"[\s\-()（）]")


def normal_header(header) -> str:
    """A header as compared: NFKC (full-width forms to ASCII), no spaces or underscores, lower case."""
    text = _unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").replace("\u200b", "")
    return _re.sub(r"[\s_]+", "", text).casefold()


def personal_column_of(header, labels: dict[str, Iterable[str]] | None = None) -> str | None:
    """The personal column a header names (full_name, id_card_number, phone), or None. `labels`
    adds headers per column (an intake spec's aliases); case, spaces and full-width forms ignored."""
    key = normal_header(header)
    if not key:
        return None
    for column in PERSONAL_COLUMNS:
        known = (column, *PERSONAL_HEADERS.get(column, ()), *((labels or {}).get(column, ())))
        if key in {normal_header(k) for k in known}:
            return column
    return None


def mask_value(value, column: str | None = None):
    """A value as a report may show it: a personal column's value masked by its kind; any other
    value masked if it is (or holds) an ID-card number or a phone."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if column == "full_name":
        return text[:1] + "*" * max(1, len(text) - 1)
    if column == "id_card_number":
        return text[:6] + "*" * max(0, len(text) - 10) + text[-4:] if len(text) > 10 else "*" * len(text)
    if column == "phone":
        return text[:3] + "*" * max(0, len(text) - 7) + text[-4:] if len(text) > 7 else "*" * len(text)
    bare = _SEPARATORS.sub("", _unicodedata.normalize("NFKC", text))
    if _LANDLINE_VALUE.match(bare):
        return mask_value(bare, "phone")
    return mask_text(text)


def mask_text(text):
    """Free text (a header, a sheet name, a reason's detail) with every ID-card number and
    phone number in it masked; full-width digits are looked at as the digits they are."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return text
    text = str(text)
    folded = _unicodedata.normalize("NFKC", text)
    if folded != text and len(folded) == len(text):
        masked = mask_text(folded)
        # Keep the original characters except where the folded text was masked.
        return "".join("*" if m == "*" and f != "*" else o for o, f, m in zip(text, folded, masked)) \
            if len(masked) == len(text) else masked
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + _re.sub(r"[0-9]", "*", m.group(2)) + m.group(3), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
