"""Checks on the file alone: headers, required cells, types, places, duplicate keys.

The result is the typed table (one column per table column the file carries, plus `_row`, the
row number in the file) and every problem found, each naming row, column, value and reason.
Checks that need the database as it stands (references, time order on the merged row, people)
follow in sitrep.intake.merge, inside the import's transaction.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from sitrep.intake import values as parse
from sitrep.intake.files import RawFile, give_back_memory
from sitrep.intake.specs import Column, TableSpec
from sitrep.personal import mask_text, normal_header

# Free-text columns keep what was written; every other kind (and text that is a code or key:
# *_id, *_code) is folded to ASCII first (values.normalise), so ＦＡ１ and FA1 are one key.
FREE_TEXT = "text"

PROBLEM_COLUMNS = ["row", "column", "value", "reason", "detail"]


def problems_frame(rows=(), column="", values=(), reason="", detail="") -> pd.DataFrame:
    rows = list(rows)
    return pd.DataFrame({
        "row": pd.array(rows, dtype="Int64"),
        "column": [column] * len(rows),
        "value": list(values) if len(values) else [None] * len(rows),
        "reason": [reason] * len(rows),
        "detail": list(detail) if isinstance(detail, (list, pd.Series)) else [detail] * len(rows),
    }, columns=PROBLEM_COLUMNS)


# The largest value each integer type of the database holds (a count is checked against the
# column it lands in: 3,000,000,000 fits a BIGINT, not an INTEGER).
INTEGER_TYPE_MAX = {"TINYINT": 2**7 - 1, "SMALLINT": 2**15 - 1, "INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1,
                    "UTINYINT": 2**8 - 1, "USMALLINT": 2**16 - 1, "UINTEGER": 2**32 - 1}


def database_problem(error: Exception) -> pd.DataFrame:
    """A database error the checks did not foresee, as one file-level report row: its kind, never
    its message (which can quote values). For the CLI and the page to catch around an import."""
    return problems_frame([None], "", [None], "database_error", type(error).__name__)


@dataclass
class Places:
    """The district list and the codes below it, as the database holds them; and, for whole-number
    columns, the largest value their type holds (table, column) -> max, so the check refuses what
    the write could not store."""
    district_by_label: dict[str, str]
    township_district: dict[str, str]
    community_district: dict[str, str]
    integer_max: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> "Places":
        by_label = {}
        for code, zh, en in con.execute("select district_code, name_zh, name_en from districts").fetchall():
            short = zh[:-1] if len(zh) > 2 and zh[-1] in "区县" else zh
            for label in (code, zh, short, en, en.lower(), en.removesuffix(" District").removesuffix(" County").lower()):
                by_label[label] = code
        towns = dict(con.execute("select township_code, district_code from townships").fetchall())
        communities = dict(con.execute("select community_code, district_code from communities").fetchall())
        types = con.execute("select table_name, column_name, upper(data_type) from information_schema.columns "
                            "where table_schema = 'main'").fetchall()
        integer_max = {(t, c): INTEGER_TYPE_MAX[kind] for t, c, kind in types if kind in INTEGER_TYPE_MAX}
        return cls(by_label, towns, communities, integer_max)


@dataclass
class Checked:
    spec: TableSpec
    typed: pd.DataFrame                  # _row plus one column per present table column
    present: list[str]                   # table columns the file carries (person columns included)
    header_of: dict[str, str]            # column -> the header as written in the file
    problems: pd.DataFrame
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def release_rows(self) -> None:
        """Let the typed rows go, keeping their columns: sitrep.intake.merge calls this once it
        has staged them in the database, which then holds the only copy."""
        self.typed = self.typed.iloc[:0].copy()     # a slice alone would keep the arrays it views


def _normal(header: str) -> str:
    """Headers compare as sitrep.personal.normal_header says: spaces, full-width forms, case ignored."""
    return normal_header(header)


def match_headers(headers: list[str], spec: TableSpec, ignore_extra: bool) -> tuple[dict[int, str], pd.DataFrame,
                                                                                     list[str]]:
    """Header position -> column name, and the header problems."""
    by_header = {}
    for col in spec.columns:
        for label in col.headers:
            by_header[_normal(label)] = col.name
    known_labels = [c.zh for c in spec.columns] + [c.name for c in spec.columns]
    if headers and not any(_normal(h) in by_header for h in headers):
        # No header is one of ours: most likely a file without a header row, whose first row is
        # data. Its cells are not echoed (they may be names, ID numbers, phones).
        return {}, problems_frame([1], "", [None], "no_header", len(headers)), []
    mapping, problems, ignored, seen = {}, [], [], {}
    for position, header in enumerate(headers):
        name = by_header.get(_normal(header))
        if name is None:
            if ignore_extra:
                ignored.append(mask_text(header))
                continue
            close = difflib.get_close_matches(header, known_labels, n=1, cutoff=0.5)
            problems.append(problems_frame([1], header or f"(第 {position + 1} 列)", [header], "unknown_column",
                                           close[0] if close else ""))
        elif name in seen:
            problems.append(problems_frame([1], header, [header], "duplicate_column", headers[seen[name]]))
        else:
            mapping[position] = name
            seen[name] = position
    present = set(mapping.values())
    for col in spec.columns:
        if col.required and col.name not in present:
            problems.append(problems_frame([1], col.zh, [None], "missing_column", col.name))
    if spec.person == "required" and not present & {"person_id", "id_card_number"}:
        problems.append(problems_frame([1], spec.column("id_card_number").zh, [None], "missing_person_columns"))
    return mapping, pd.concat(problems) if problems else problems_frame(), ignored


def _folds(col: Column, spec: TableSpec) -> bool:
    """Whether the column's cells are folded to ASCII (NFKC) before parsing: all but free text."""
    return col.kind != FREE_TEXT or col.name in spec.key or col.name.endswith(("_id", "_code"))


def _parse_safely(col: Column, cells: pd.Series, places: Places, now: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """The column parsed; should a parser fail on a cell it did not foresee, the cells it fails
    on are found one by one and refused (unreadable_value) instead of failing the whole check."""
    try:
        return _parse_column(col, cells, places, now)
    except Exception:  # any parser failure on the whole column: retried cell by cell below, never shown as a traceback
        pass
    values, problem = [], []
    for index, cell in cells.items():
        one = cells.loc[[index]]
        try:
            value, reason = _parse_column(col, one, places, now)
            values.append(value.iloc[0])
            problem.append(reason.iloc[0])
        except Exception:  # the cell the parser fails on: a report row "unreadable value" with its row and column
            values.append(None)
            problem.append("unreadable_value")
    return pd.Series(values, index=cells.index, dtype=object), pd.Series(problem, index=cells.index, dtype=object)


def _parse_column(col: Column, cells: pd.Series, places: Places, now: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    kind = col.kind
    if kind == "timestamp":
        return parse.parse_timestamp(cells, now)
    if kind == "date":
        return _parse_date(cells, now)
    if kind in ("integer", "count"):
        return parse.parse_integer(cells, col.minimum, col.maximum, non_negative=kind == "count")
    if kind == "decimal":
        return parse.parse_decimal(cells, col.minimum, col.maximum)
    if kind == "enum":
        return parse.parse_enum(cells, col.values)
    if kind == "id_card":
        return parse.parse_id_card(cells)
    if kind == "phone":
        return parse.parse_phone(cells)
    if kind == "district":
        stripped = cells.str.strip()
        codes = stripped.map(places.district_by_label)
        codes = codes.where(codes.notna(), stripped.str.lower().map(places.district_by_label))
        problem = pd.Series(None, index=cells.index, dtype=object)
        problem[codes.isna()] = "unknown_district"
        return codes, problem
    if kind in ("township", "community"):
        codes = cells.str.strip()
        known = places.township_district if kind == "township" else places.community_district
        problem = pd.Series(None, index=cells.index, dtype=object)
        problem[~codes.isin(known.keys())] = f"unknown_{kind}"
        return codes, problem
    return parse.parse_text(cells)


def _parse_date(cells: pd.Series, now: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """A day: what the date-time parser reads, the date alone accepted (2022-08-05, 2022年8月5日, an
    Excel date cell or whole serial such as 44778), a time of day given with it dropped."""
    values, problem = parse.parse_timestamp(cells, now)
    dateless = problem == "time_missing"
    if dateless.any():
        again = cells[dateless].str.strip()
        serial = again.str.match(r"^\d{5,7}(\.0*)?$")
        again[serial] = (parse.EXCEL_EPOCH + pd.to_timedelta(again[serial].astype(float), unit="D")).dt.strftime(
            "%Y-%m-%d")
        more, more_problem = parse.parse_timestamp(again + " 00:00", now)
        values[more.index] = more
        problem[more_problem.index] = more_problem
    return values.dt.normalize(), problem


def check(raw: RawFile, spec: TableSpec, places: Places, ignore_extra: bool = False,
          now: pd.Timestamp | None = None, consume: bool = False) -> Checked:
    """The file's cells checked and typed. With consume=True (for a caller that has no further
    use of raw.cells: sitrep.intake.run) each column's text is let go once it is parsed, so the
    text of the whole file and its typed values are never all held at once."""
    now = now if now is not None else parse.now_shanghai()
    mapping, header_problems, ignored = match_headers(raw.headers, spec, ignore_extra)
    header_of = {name: raw.headers[pos] for pos, name in mapping.items()}
    present = [c.name for c in spec.columns if c.name in header_of]
    typed = pd.DataFrame({"_row": raw.rows.astype("int64")}, index=raw.cells.index)
    if not header_problems.empty:
        return Checked(spec, typed, present, header_of, header_problems, ignored)
    if raw.cells.empty:
        return Checked(spec, typed, present, header_of, problems_frame([1], "", [None], "no_rows"), ignored)

    found = []
    # Cells the reader could not take as they stand (a formula without a cached value), by address.
    unreadable = set()
    # A cell past the length limit brings its first characters to show (the report cuts them again).
    for row, position, code, detail, *shown in getattr(raw, "cell_problems", ()):
        if position in mapping:
            unreadable.add((row, position))
            found.append(problems_frame([row], header_of[mapping[position]], [shown[0] if shown else None], code, detail))
    # Whether a row names a person at all is read from the text before the text is let go.
    nobody = None
    if spec.person == "required":
        nobody = pd.Series(True, index=typed.index)
        for name in ("person_id", "id_card_number"):
            if name in header_of:
                nobody &= raw.cells[f"c{_position(mapping, name)}"].isna()
    if consume:
        raw.cells = raw.cells[[f"c{position}" for position in mapping]]
    for position, name in mapping.items():
        col = spec.column(name)
        # A column is parsed CHECK_CHUNK_ROWS rows at a time: the parsers' intermediate text of
        # a whole 6 M-row column would be a gigabyte at the peak. Each cell's result is its own,
        # so the chunks change nothing but the memory.
        parts = []
        for start in range(0, len(raw.cells), CHECK_CHUNK_ROWS):
            cells = raw.cells[f"c{position}"].iloc[start:start + CHECK_CHUNK_ROWS]
            values, problems = _check_cells(col, spec, cells, raw.rows.iloc[start:start + CHECK_CHUNK_ROWS], position,
                                            header_of[name], unreadable, places, now)
            parts.append(values)
            found += problems
        typed[name] = _joined(parts)
        del parts
        if consume:
            raw.cells = raw.cells.drop(columns=f"c{position}")
            give_back_memory()

    # A place below a district must lie in it.
    for name in ("township_code", "community_code"):
        if name in typed and "district_code" in typed:
            known = spec.column(name)
            if known.kind not in ("township", "community"):
                continue            # the table's own new code (townships, communities): not yet held
            lookup = places.township_district if known.kind == "township" else places.community_district
            wrong = typed[name].notna() & typed["district_code"].notna() & (
                typed[name].map(lookup) != typed["district_code"])
            if wrong.any():
                found.append(problems_frame(raw.rows[wrong], header_of[name], typed.loc[wrong, name],
                                            "place_outside_district", typed.loc[wrong, "district_code"]))

    if nobody is not None:   # a cell that is there but bad was reported above
        if nobody.any():
            found.append(problems_frame(raw.rows[nobody], header_of.get("id_card_number", header_of.get("person_id")),
                                        [None] * int(nobody.sum()), "person_missing"))

    # The same key twice in one file: the second and later rows point at the first. A key part
    # that may be empty (a transport passenger's case or contact id) counts empty as a value.
    key = [k for k in spec.key if k in typed]
    if all(k in typed for k in spec.key if spec.column(k).required):
        keys = typed[key]
        complete = keys[[k for k in key if spec.column(k).required]].notna().all(axis=1)
        repeated = keys[complete].duplicated(keep="first")
        if repeated.any():
            first_row = typed[complete].groupby(key, dropna=False)["_row"].transform("min")
            rows = repeated[repeated].index
            found.append(problems_frame(raw.rows[rows], header_of[spec.key[0]], typed.loc[rows, spec.key[0]],
                                        "duplicate_key", first_row[rows].astype(str)))
    problems = pd.concat(found, ignore_index=True) if found else problems_frame()
    problems = problems.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    return Checked(spec, typed, present, header_of, problems, ignored)


CHECK_CHUNK_ROWS = 500_000


def _check_cells(col: Column, spec: TableSpec, cells: pd.Series, rows: pd.Series, position: int, header: str,
                 unreadable: set, places: Places, now: pd.Timestamp) -> tuple[pd.Series, list[pd.DataFrame]]:
    """One column's cells (or a run of them): the typed values, aligned with the cells, and the
    problems found."""
    found = []
    filled = cells.notna()
    if col.required:
        empty = rows[~filled]
        empty = empty[[(int(r), position) not in unreadable for r in empty]]
        if len(empty):
            found.append(problems_frame(empty, header, [None] * len(empty), "required_empty"))
    given = cells[filled]
    if _folds(col, spec):
        given = parse.normalise(given)
    values, problem = _parse_safely(col, given, places, now)
    type_max = places.integer_max.get((spec.name, col.name))
    if col.kind in ("integer", "count") and type_max is not None:
        over = problem.isna() & values.notna() & (values.astype("Float64") > type_max)
        problem[over[over].index] = "too_large"
        values = values.where(~over)
    bad = problem.dropna()
    if len(bad):
        detail = ""
        if col.kind == "enum":
            detail = "、".join(label for labels in col.values.values() for label in labels[:1])
        elif col.minimum is not None or col.maximum is not None:
            detail = f"{col.minimum if col.minimum is not None else ''}–{col.maximum if col.maximum is not None else ''}"
        found.append(problems_frame(rows[bad.index], header, cells[bad.index], "", detail)
                     .assign(reason=bad.to_numpy()))
    return values.reindex(cells.index), found


def _joined(parts: list[pd.Series]) -> pd.Series:
    """A column's typed chunks as one. A chunk with no value at all can come back from its parser
    typed otherwise than the others (an empty object column): it takes their type, so the column
    has the type it would have had in one piece."""
    if len(parts) == 1:
        return parts[0]
    kinds = {str(p.dtype) for p in parts if p.notna().any()}
    if len(kinds) == 1:
        kind = next(iter(kinds))
        try:
            parts = [p if str(p.dtype) == kind else p.astype(parts[[str(q.dtype) for q in parts].index(kind)].dtype)
                     for p in parts]
        except (TypeError, ValueError):
            pass
    return pd.concat(parts)


def _position(mapping: dict[int, str], name: str) -> int:
    return next(pos for pos, n in mapping.items() if n == name)
