"""Reading a delivered file into rows of text, whatever Excel or a source system wrote.

CSV in UTF-8 (with or without BOM), GB18030/GBK (Excel on Chinese Windows), or UTF-16 with BOM
("Unicode text", tab-separated); XLSX (the first visible sheet). Every cell arrives as text or None,
with the row number a person sees in Excel (the header is row 1).

Nothing here raises anything but FileProblem, whose values never hold a server path or an
exception's text (which can quote the file's contents): a damaged, truncated, binary or
mislabelled file becomes one reason a person can act on. A cell that cannot be read as it
stands (a formula without a cached value) is kept as a cell problem with its address.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from sitrep.personal import mask_text

XLSX_MAGIC = b"PK\x03\x04"
ZIP_MAGICS = (XLSX_MAGIC, b"PK\x05\x06", b"PK\x07\x08")   # any zip, an empty one included
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"               # the old binary .xls (and encrypted .xlsx)


class FileProblem(Exception):
    """The file as a whole cannot be read: no row or column to point at."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass
class RawFile:
    name: str
    sha256: str
    encoding: str              # utf-8, utf-8-sig, gb18030, utf-16, xlsx
    headers: list[str]
    cells: pd.DataFrame        # one text column per header position ("c0", "c1", ...), None for empty
    rows: pd.Series            # the row number in the file (header = 1), aligned with cells
    sheet: str | None = None   # XLSX: the sheet read (the first visible one)
    # Cells that could not be read as they stand: (row, position, code, detail), e.g. a formula
    # cell without a cached value, (5, 2, "formula_no_value", "C5").
    cell_problems: list[tuple[int, int, str, str]] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with. A BOM is a promise: UTF-8 BOM followed by
    GBK bytes, or a UTF-16 file cut short, is refused at the byte it breaks, not guessed at."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise FileProblem("bad_encoding", position=error.start + 3) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise FileProblem("bad_encoding", position=error.start) from None
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as error:
            raise FileProblem("bad_encoding", position=error.start) from None
    if "\x00" in text:
        raise FileProblem("not_text")        # a binary file (or UTF-16 without its BOM)
    return text, encoding


def _sniff(data: bytes, name: str) -> None:
    """Refuse what is not a CSV or an XLSX, whatever its name says."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(OLE_MAGIC):
        raise FileProblem("old_xls")
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"mime-version")) or b"<html" in head[:512]:
        raise FileProblem("html_file")      # a web page (or an XML spreadsheet) saved with an .xls name


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def read_csv_text(text: str) -> tuple[list[str], pd.DataFrame, pd.Series]:
    first_line = text.split("\n", 1)[0]
    sep = _delimiter(first_line)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, header=None, keep_default_na=False,
                            skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL)
    except pd.errors.EmptyDataError:
        raise FileProblem("empty_file") from None
    except pd.errors.ParserError as error:
        # pandas says "Expected 3 fields in line 5, saw 4": the line number only, never a value.
        import re
        fields = re.search(r"in line (\d+), saw", str(error))
        quote = re.search(r"EOF inside string starting at row (\d+)", str(error))
        if fields:
            raise FileProblem("bad_csv_fields", line=int(fields.group(1))) from None
        if quote:
            raise FileProblem("bad_csv_quote", line=int(quote.group(1)) + 1) from None
        raise FileProblem("bad_csv") from None
    return _split_header(frame)


def _split_header(frame: pd.DataFrame) -> tuple[list[str], pd.DataFrame, pd.Series]:
    if frame.empty:
        raise FileProblem("empty_file")
    frame = frame.fillna("")
    headers = [str(h).strip().lstrip("\ufeff").strip() for h in frame.iloc[0]]
    body = frame.iloc[1:]
    body.columns = [f"c{i}" for i in range(len(headers))]
    body = body.apply(lambda col: col.str.strip())
    body = body.mask(body == "")
    rows = pd.Series(body.index + 1, index=body.index)          # frame row 0 is file row 1
    keep = body.notna().any(axis=1)                              # blank lines are not rows
    # Trailing columns with no header and no values are Excel debris, not data.
    while headers and headers[-1] == "" and body[f"c{len(headers) - 1}"].isna().all():
        body = body.drop(columns=f"c{len(headers) - 1}")
        headers.pop()
    return headers, body[keep], rows[keep]


def _cell_text(value, number_format: str = "General") -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if _is_datetime_format(number_format) == "date":
            # A date cell shows no time of day: written without one, so the check refuses it
            # where a time is required instead of storing 00:00.
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and abs(value) >= 1e15:
        # Excel keeps 15 significant digits: an 18-digit ID typed as a number has lost its last
        # digits. Written as Excel shows it, so the check says so instead of a wrong check digit.
        return f"{value:.5E}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_datetime_format(number_format) -> str | None:
    from openpyxl.styles.numbers import is_datetime

    try:
        return is_datetime(number_format or "General")
    except Exception:  # an odd format string: not a date-only one
        return None


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet of the workbook holds a formula (cheap: looks for <f> in the sheet XML)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                with archive.open(member) as sheet_xml:
                    body = sheet_xml.read()
                if b"<f>" in body or b"<f " in body or b":f>" in body or b":f " in body:
                    return True
    return False


def read_xlsx(data: bytes) -> tuple[list[str], pd.DataFrame, pd.Series, str, bool, list]:
    """The first visible sheet (a hidden first sheet is skipped), as text, with the sheet's name
    and the formula cells that hold no cached value (Excel saves one; other tools may not)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or encrypted workbook: openpyxl raises many kinds
        raise FileProblem("bad_xlsx") from None
    try:
        visible = [s for s in book.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
        if not visible:
            raise FileProblem("no_visible_sheet")
        sheet = visible[0]
        position = book.worksheets.index(sheet)
        several = len(book.worksheets) > 1
        try:
            rows = []
            for row in sheet.iter_rows():
                # The number format matters only for date cells (date-only or date and time).
                rows.append([_cell_text(c.value, c.number_format) if isinstance(c.value, datetime)
                             else _cell_text(c.value) for c in row])
        except FileProblem:
            raise
        except Exception:  # damaged sheet XML, a bad shared-string index, ...
            raise FileProblem("bad_sheet", sheet=sheet.title) from None
    finally:
        book.close()
    if not rows:
        raise FileProblem("empty_file")
    cell_problems = []
    try:
        formulas = _has_formulas(data)
    except Exception:
        raise FileProblem("bad_xlsx") from None
    if formulas:
        try:
            with_formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                for r, row in enumerate(with_formulas.worksheets[position].iter_rows(values_only=True)):
                    for c, value in enumerate(row):
                        if isinstance(value, str) and value.startswith("=") and r < len(rows) \
                                and (c >= len(rows[r]) or rows[r][c] is None):
                            cell_problems.append((r + 1, c, "formula_no_value", f"{get_column_letter(c + 1)}{r + 1}"))
                            if r == 0:
                                rows[r][c] = value      # a header written as a formula: shown as such
            finally:
                with_formulas.close()
        except Exception:
            raise FileProblem("bad_sheet", sheet=sheet.title) from None
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    headers, cells, numbers = _split_header(frame)
    return headers, cells, numbers, sheet.title, several, cell_problems


def read(data: bytes, name: str) -> RawFile:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise FileProblem("empty_file")
    sheet, cell_problems = None, []
    _sniff(data, name)
    if data.startswith(ZIP_MAGICS) or Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        headers, cells, rows, sheet, several, cell_problems = read_xlsx(data)
        # With more than one sheet the check names the one it read (shown with the encoding on
        # the page, in the CLI line and in the import log).
        encoding = f"xlsx, sheet “{mask_text(sheet)}”" if several else "xlsx"
    else:
        text, encoding = decode(data)
        headers, cells, rows = read_csv_text(text)
    return RawFile(name=Path(name).name, sha256=sha, encoding=encoding, headers=headers, cells=cells, rows=rows,
                   sheet=sheet, cell_problems=cell_problems)
