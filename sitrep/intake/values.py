"""Cell parsers, one per column kind, vectorised over a whole column (a million cells in
about a second).

Each parser takes the column's non-empty cells as text and returns (values, problem): values
holds the typed value where the cell is good, problem the reason code (a key of
sitrep.intake.report.REASONS) where it is not, else None. A cell is never turned into an empty
value silently: it parses whole, or it gets a reason.

Patterns match ASCII digits only; full-width digits and punctuation (１２３, ：, －, the
ideographic space) are folded by normalise() (NFKC) before the parsers of codes, numbers, dates,
ID-card numbers and phones see them. Free text (names, place names, notes) is kept as delivered:
there NFKC would rewrite what a person wrote (（）→(), ｍ²→m2, ①→1).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

SHANGHAI = timezone(timedelta(hours=8))       # no daylight saving since 1991
EARLIEST = pd.Timestamp("2020-01-01")         # nothing of this epidemic's response is older
EXCEL_EPOCH = pd.Timestamp("1899-12-30")      # Excel's day 0 (its 1900 leap-year bug included)
EXCEL_FIRST, EXCEL_LAST = 20_000, 2_958_465   # serials 1954-10-03 .. 9999-12-31: no bare year reads as one

FAST_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
# Minutes and seconds have two digits (08:4 is a time cut short, not 08:04), except before 分/秒.
_YMD = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2}|\d(?=\s*分))\s*分?"
    r"(?:\s*[:：]\s*(?P<S>\d{2})(?:\.\d+)?\s*秒?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$", re.ASCII
)
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:\s*T?\s*(?P<H>\d{2}):?(?P<M>\d{2})(?::?(?P<S>\d{2}))?)?$",
                      re.ASCII)
_DAY_FIRST = re.compile(r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}(\s|$)", re.ASCII)
_SERIAL = re.compile(r"^\d{5,7}(\.\d+)?$", re.ASCII)
_WHOLE_SERIAL = re.compile(r"^\d{5,7}(\.0*)?$", re.ASCII)     # a date without its time of day
_FAST_SHAPE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2} \d{1,2}:\d{2}(:\d{2})?$", re.ASCII)
_INTEGER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.0*)?$", re.ASCII)
_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$", re.ASCII)
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$", re.ASCII)
MAX_DIGITS = 18                               # more cannot be a 64-bit integer (2^63 has 19 digits)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = "10X98765432"


def normalise(cells: pd.Series) -> pd.Series:
    """Full-width forms folded to ASCII (NFKC): １２３ -> 123, ２０２２－０８－０５　０８：４０ ->
    2022-08-05 08:40. Only cells that need it are touched (most are ASCII already)."""
    if cells.empty:
        return cells
    wide = ~cells.str.isascii().fillna(True).astype(bool)
    if not wide.any():
        return cells
    out = cells.copy()
    out[wide] = cells[wide].map(lambda text: unicodedata.normalize("NFKC", text))
    return out


def _problems(index: pd.Index) -> pd.Series:
    return pd.Series(None, index=index, dtype=object)


def now_shanghai() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(SHANGHAI).replace(tzinfo=None))


def parse_timestamp(cells: pd.Series, now: pd.Timestamp | None = None) -> tuple[pd.Series, pd.Series]:
    """Date-times as people type them, read as Asia/Shanghai local time:
    2022-07-28 14:05, 2022/7/28 14:05, 2022-07-28T14:05:00, 2022年7月28日 14时05分, 20220728 1405,
    an Excel serial number (44770.586805…), or ISO 8601 with an offset (converted to Shanghai time).
    Day-first or month-first dates (07/08/2022) are refused as ambiguous; a date without a time
    of day is refused, since every clock of the rulebook runs in hours."""
    now = now if now is not None else now_shanghai()
    problem = _problems(cells.index)
    values = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us]")
    text = cells.str.strip()

    # Fast path: what source systems export, parsed in C (a million cells in about half a second);
    # the rest goes through the patterns below.
    for fmt in FAST_FORMATS:
        todo = values.isna()
        if not todo.any():
            break
        values[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[us]")
    # strptime reads 08:4 as 08:04: what the fast path read must have the full shape, else it
    # goes through the patterns below (which refuse it).
    fast = values.notna()
    if fast.any():
        values[fast & ~text.str.match(_FAST_SHAPE).fillna(False).astype(bool)] = pd.NaT
    text = text[values.isna()]

    parts = text.str.extract(_YMD)
    unmatched = parts["y"].isna()
    if unmatched.any():
        compact = text[unmatched].str.extract(_COMPACT)
        for col in ("y", "m", "d", "H", "M", "S"):
            parts.loc[compact.index, col] = parts.loc[compact.index, col].where(compact["y"].isna(), compact[col])
    matched = parts["y"].notna()

    if matched.any():
        p = parts[matched]
        no_time = p["H"].isna()
        problem[p.index[no_time]] = "time_missing"
        p = p[~no_time]
        stamp = pd.to_datetime(pd.DataFrame({
            "year": p["y"].astype(int), "month": p["m"].astype(int), "day": p["d"].astype(int),
            "hour": p["H"].astype(int), "minute": p["M"].astype(int), "second": p["S"].fillna("0").astype(int),
        }), errors="coerce").astype("datetime64[us]") if len(p) else pd.Series(dtype="datetime64[us]")
        clock_ok = (p["H"].astype(int) <= 23) & (p["M"].astype(int) <= 59) & (p["S"].fillna("0").astype(int) <= 59)
        stamp[~clock_ok] = pd.NaT           # to_datetime would roll 25:00 into the next day
        problem[stamp.index[stamp.isna()]] = "no_such_date"
        tz = p["tz"].dropna()
        if len(tz):
            digits = tz.str.replace(r"[^0-9]", "", regex=True).where(tz != "Z", "0000")
            minutes = digits.str[:2].astype(int) * 60 + digits.str[2:4].astype(int)
            offset = minutes.where(tz.str[0] != "-", -minutes)
            stamp.loc[tz.index] = stamp.loc[tz.index] + pd.to_timedelta(480 - offset, unit="min")
        values.loc[stamp.index] = stamp

    rest = text[~matched]
    whole = rest[rest.str.match(_WHOLE_SERIAL)]
    whole = whole[whole.astype(float).between(EXCEL_FIRST, EXCEL_LAST)]
    problem[whole.index] = "time_missing"              # 44778: a date serial, no time of day
    rest = rest.drop(whole.index)
    serial = rest[rest.str.match(_SERIAL)].astype(float)
    in_range = serial.between(EXCEL_FIRST, EXCEL_LAST)
    values.loc[serial.index[in_range]] = (EXCEL_EPOCH + pd.to_timedelta(serial[in_range], unit="D")).dt.round("s").astype("datetime64[us]")
    rest = rest.drop(serial.index[in_range])
    problem[rest.index] = np.where(rest.str.match(_DAY_FIRST), "ambiguous_date", "bad_datetime")

    good = values.notna()
    problem[good & (values < EARLIEST)] = "too_early"
    problem[good & (values > now + pd.Timedelta(minutes=10))] = "in_future"
    return values.where(problem.isna()), problem


def parse_integer(cells: pd.Series, minimum: int | None = None, maximum: int | None = None,
                  non_negative: bool = False) -> tuple[pd.Series, pd.Series]:
    problem = _problems(cells.index)
    text = cells.str.strip()
    ok = text.str.match(_INTEGER).fillna(False).astype(bool)
    bare = text[ok].str.replace(",", "", regex=False).str.replace(r"\.0*$", "", regex=True)
    # A 20-digit barcode or a count past 2^63 is too large before it is a number at all.
    long = bare.str.lstrip("+-").str.lstrip("0").str.len() > MAX_DIGITS
    problem[long[long].index] = "too_large"
    bare = bare[~long]
    numbers = pd.to_numeric(bare, errors="coerce")
    values = pd.Series(pd.NA, index=cells.index, dtype="Int64")
    readable = numbers.notna()
    values.loc[numbers.index[readable]] = numbers[readable].astype("int64").astype("Int64")
    problem[numbers.index[~readable]] = "not_a_number"     # never an empty value in place of a cell
    problem[~ok] = np.where(text[~ok].str.match(_NUMBER), "not_whole", "not_a_number")
    if non_negative:
        problem[values.notna() & (values < 0)] = "negative"
    if minimum is not None:
        problem[problem.isna() & values.notna() & (values < minimum)] = "below_minimum"
    if maximum is not None:
        problem[problem.isna() & values.notna() & (values > maximum)] = "above_maximum"
    problem[problem.isna() & values.notna() & (values.abs() > 2**62)] = "too_large"
    return values.where(problem.isna()), problem


def parse_decimal(cells: pd.Series, minimum: float | None = None,
                  maximum: float | None = None) -> tuple[pd.Series, pd.Series]:
    problem = _problems(cells.index)
    text = cells.str.strip()
    ok = text.str.match(_NUMBER).fillna(False).astype(bool)
    values = pd.to_numeric(text.where(ok).str.replace(",", "", regex=False), errors="coerce")
    problem[~ok | values.isna() | ~np.isfinite(values.astype(float))] = "not_a_number"
    problem[ok & (values < 0)] = "negative"
    if minimum is not None:
        problem[problem.isna() & (values < minimum)] = "below_minimum"
    if maximum is not None:
        problem[problem.isna() & (values > maximum)] = "above_maximum"
    return values.where(problem.isna()), problem


def parse_text(cells: pd.Series, max_length: int = 200) -> tuple[pd.Series, pd.Series]:
    problem = _problems(cells.index)
    values = cells.str.strip()
    problem[values.str.len() > max_length] = "too_long"
    return values.where(problem.isna()), problem


def parse_enum(cells: pd.Series, accepted: dict[str, tuple[str, ...]]) -> tuple[pd.Series, pd.Series]:
    """A stored value or one of its labels (English values case-insensitive)."""
    lookup = {}
    for stored, labels in accepted.items():
        for label in (stored, *labels):
            lookup[label.strip().lower()] = stored
    values = cells.str.strip().str.lower().map(lookup)
    problem = _problems(cells.index)
    problem[values.isna()] = "not_allowed"
    if all(v.isdigit() for v in accepted):
        values = values.astype("Int64")
    return values, problem


def parse_id_card(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """18-character resident ID-card number, GB 11643-1999: the check digit and the birth date."""
    values = cells.str.strip().str.replace(" ", "", regex=False).str.upper()
    problem = _problems(cells.index)
    shaped = values.str.match(_ID_SHAPE)
    problem[~shaped] = np.select(
        [values[~shaped].str.match(r"^[0-9]{15}$"), values[~shaped].str.match(r"^[0-9](\.[0-9]+)?E\+?[0-9]+$")],
        ["id_card_15", "id_card_excel_number"], "id_card_shape")
    good = values[shaped]
    if len(good):
        digits = np.array([list(s[:17]) for s in good], dtype=np.int64)
        expected = np.array(list(_ID_CHECK))[(digits @ _ID_WEIGHTS) % 11]
        problem[good.index[expected != good.str[17].to_numpy()]] = "id_card_check_digit"
        born = pd.to_datetime(good.str[6:14], format="%Y%m%d", errors="coerce")
        problem[good.index[born.isna() | (born < pd.Timestamp("1890-01-01")) | (born > pd.Timestamp.now())]] = \
            "id_card_birth_date"
    return values.where(problem.isna()), problem


def parse_phone(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Mobile 1[3-9]xxxxxxxxx (with or without +86) or landline 0 + area code + number."""
    digits = cells.str.strip().str.replace(r"[\s\-()（）]", "", regex=True).str.replace(r"^\+?86(?=1\d{10}$)", "",
                                                                                       regex=True)
    problem = _problems(cells.index)
    mobile = digits.str.match(r"^1[3-9][0-9]{9}$")
    landline = digits.str.match(r"^0[0-9]{2,3}[0-9]{7,8}$")
    problem[~(mobile | landline)] = "phone_format"
    return digits.where(problem.isna()), problem


def id_card_details(numbers: pd.Series) -> pd.DataFrame:
    """Sex and birth year from valid ID-card numbers (digit 17 odd: male)."""
    return pd.DataFrame({
        "sex": np.where(numbers.str[16].astype(int) % 2 == 1, "M", "F"),
        "birth_year": numbers.str[6:10].astype(int),
    }, index=numbers.index)


def id_card_with_check_digit(first17: str) -> str:
    """The full number for 17 digits (used by the templates and tests)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return first17 + _ID_CHECK[total % 11]
