"""Reading a delivered file into rows of text, whatever Excel or a source system wrote.

CSV in UTF-8 (with or without BOM), GB18030/GBK (Excel on Chinese Windows), or UTF-16 with BOM
("Unicode text", tab-separated); XLSX (the first visible sheet). Every cell arrives as text or None,
with the row number a person sees in Excel (the header is row 1).

Nothing here raises anything but FileProblem, whose values never hold a server path or an
exception's text (which can quote the file's contents): a damaged, truncated, binary or
mislabelled file becomes one reason a person can act on. A cell that cannot be read as it
stands (a formula without a cached value) is kept as a cell problem with its address.

Bounded (settings.toml import_max_*, read into Limits): a file past a limit is refused as one
file-level problem naming the limit, before the rest of it is read. The file's size is checked
first; an XLSX's unpacked size is summed from the zip's directory before anything is unpacked
(zipfile never unpacks a member past the size its directory states: a lying directory gives a
damaged file, not a bigger one); an XLSX sheet is read in streaming (read-only) mode with its
declared dimension thrown away, so a sheet that claims A1:XFD1048576 costs what it holds; rows
and columns are counted as they are read, and the reading stops at the first one past a limit.
A cell longer than import_max_cell_chars becomes a cell problem whose value is kept cut short.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from sitrep.personal import mask_text

XLSX_MAGIC = b"PK\x03\x04"
ZIP_MAGICS = (XLSX_MAGIC, b"PK\x05\x06", b"PK\x07\x08")   # any zip, an empty one included
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"               # the old binary .xls (and encrypted .xlsx)


CUT_VALUE = 60    # an over-long cell keeps this many characters for the report (which cuts to 60 too)


@dataclass(frozen=True)
class Limits:
    """What a file may hold (settings.toml import_max_*)."""
    file_mb: float
    rows: int
    columns: int
    cell_chars: int
    xlsx_unpacked_mb: float

    @classmethod
    def from_settings(cls, settings: dict | None = None) -> "Limits":
        from sitrep.settings import current

        s = settings or current()
        return cls(s["import_max_file_mb"].value, s["import_max_rows"].value, s["import_max_columns"].value,
                   s["import_max_cell_chars"].value, s["import_max_xlsx_unpacked_mb"].value)


def _number(value) -> str:
    """A limit as the reason shows it: 10,000,000; 0.5."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


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
    # Cells that could not be read as they stand: (row, position, code, detail[, value]), e.g. a
    # formula cell without a cached value, (5, 2, "formula_no_value", "C5"), or a cell past
    # import_max_cell_chars, (5, 2, "cell_too_long", "32,767", its first characters).
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


DECODE_STEP = 1 << 24     # a UTF-8 file is checked 16 MB at a time, never decoded whole


def _utf8_checked(data: bytes) -> tuple[str, str] | None:
    """For a file that is UTF-8 (with or without BOM): its encoding and its first line, checked
    as decode() checks it, piece by piece (the whole text of a 200 MB file would be 400 MB more
    at the peak: a Chinese header makes Python hold two bytes a character). None if the file is
    not UTF-8 without a BOM (decode() then says what it is)."""
    import codecs

    bom = data.startswith(b"\xef\xbb\xbf")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    start = 3 if bom else 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    first_line, line_done, nul = [], False, False
    for at in range(start, max(len(data), start + 1), DECODE_STEP):
        pending = len(decoder.getstate()[0])
        try:
            piece = decoder.decode(data[at:at + DECODE_STEP], final=at + DECODE_STEP >= len(data))
        except UnicodeDecodeError as error:
            if bom:     # a BOM is a promise: refused at the byte it breaks
                raise FileProblem("bad_encoding", position=at - pending + error.start) from None
            return None
        nul = nul or "\x00" in piece
        if not line_done:
            cut = piece.find("\n")
            first_line.append(piece if cut < 0 else piece[:cut])
            line_done = cut >= 0
    if nul and not bom:     # as decode() says: a binary file (or UTF-16 without its BOM)
        raise FileProblem("not_text")
    return "".join(first_line), "utf-8-sig" if bom else "utf-8"


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


def _first_line(text: str) -> str:
    return text[:text.find("\n")] if "\n" in text else text


def read_csv_text(text: str, limits: Limits | None = None) -> tuple[list[str], pd.DataFrame, pd.Series]:
    return _read_csv(text.encode("utf-8"), "utf-8", _first_line(text), limits or Limits.from_settings())


def _read_csv(source: bytes, encoding: str, first_line: str, limits: Limits) -> tuple[list[str], pd.DataFrame, pd.Series]:
    """A CSV already known to decode (decode() said so), as bytes: a StringIO of the text would
    hold four bytes a character (360 MB more at the peak for a 6 M-row file)."""
    sep = _delimiter(first_line)
    if first_line.count(sep) + 1 > limits.columns:
        raise FileProblem("too_many_columns", limit=_number(limits.columns))
    try:
        # The header, the rows allowed and one more to tell whether there are more: the rest of
        # the file is never parsed. Read CSV_CHUNK_ROWS rows at a time, each chunk trimmed and
        # kept as Arrow text before the next is read (the parser's own Python strings for a
        # whole 6 M-row file would be a gigabyte more at the peak). The parser numbers lines
        # across chunks, so an error names the same line as in one read.
        reader = pd.read_csv(io.BytesIO(source), encoding=encoding, sep=sep, dtype=str, header=None,
                             keep_default_na=False, skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL,
                             nrows=limits.rows + 2, chunksize=CSV_CHUNK_ROWS)
        headers, parts, numbers, read_rows = None, [], [], 0
        for frame in reader:
            read_rows += len(frame)
            if read_rows > limits.rows + 1:
                raise FileProblem("too_many_rows", limit=_number(limits.rows))
            frame = frame.fillna("")
            if headers is None:
                headers = _headers_of(frame)
                frame = frame.iloc[1:]
            body, rows = _body_of(frame, len(headers))
            parts.append(body)
            numbers.append(rows)
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
    if headers is None:
        raise FileProblem("empty_file")
    body = pd.concat(parts) if len(parts) > 1 else parts[0]
    rows = pd.concat(numbers) if len(numbers) > 1 else numbers[0]
    del parts, numbers
    return _trimmed(headers, body, rows)


CSV_CHUNK_ROWS = 500_000


def _headers_of(frame: pd.DataFrame) -> list[str]:
    """The header row (the frame's first), emptied cells as ""."""
    return [str(h).strip().lstrip("\ufeff").strip() for h in frame.iloc[0]]


def _body_of(frame: pd.DataFrame, width: int) -> tuple[pd.DataFrame, pd.Series]:
    """Rows below the header (empty cells filled as ""), trimmed, empty cells None, blank lines
    dropped; with their row numbers in the file (frame row 0 is file row 1)."""
    body = frame.set_axis([f"c{i}" for i in range(width)], axis=1)
    body = body.apply(lambda col: col.str.strip())
    body = body.mask(body == "")
    rows = pd.Series(body.index + 1, index=body.index)
    keep = body.notna().any(axis=1)                              # blank lines are not rows
    return body[keep], rows[keep]


def _trimmed(headers: list[str], body: pd.DataFrame, rows: pd.Series) -> tuple[list[str], pd.DataFrame, pd.Series]:
    # Trailing columns with no header and no values are Excel debris, not data.
    while headers and headers[-1] == "" and body[f"c{len(headers) - 1}"].isna().all():
        body = body.drop(columns=f"c{len(headers) - 1}")
        headers.pop()
    return headers, body, rows


def _split_header(frame: pd.DataFrame) -> tuple[list[str], pd.DataFrame, pd.Series]:
    if frame.empty:
        raise FileProblem("empty_file")
    frame = frame.fillna("")
    headers = _headers_of(frame)
    body, rows = _body_of(frame.iloc[1:], len(headers))
    return _trimmed(headers, body, rows)


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


FORMULA_MARKS = (b"<f>", b"<f ", b":f>", b":f ")


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet of the workbook holds a formula (cheap: looks for <f> in the sheet XML,
    a megabyte at a time, never the whole sheet in memory)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                with archive.open(member) as sheet_xml:
                    tail = b""
                    while chunk := sheet_xml.read(1 << 20):
                        body = tail + chunk
                        if any(mark in body for mark in FORMULA_MARKS):
                            return True
                        tail = body[-3:]
    return False


def _check_unpacked(data: bytes, limits: Limits) -> None:
    """Refuse a workbook whose parts unpack past the limit, from the zip's directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except Exception:  # not a zip, or its directory is damaged
        raise FileProblem("bad_xlsx") from None
    if total > limits.xlsx_unpacked_mb * 2**20:
        raise FileProblem("xlsx_unpacks_too_big", limit=_number(limits.xlsx_unpacked_mb))


def read_xlsx(data: bytes, limits: Limits | None = None) -> tuple[list[str], pd.DataFrame, pd.Series, str, bool, list]:
    """The first visible sheet (a hidden first sheet is skipped), as text, with the sheet's name
    and the formula cells that hold no cached value (Excel saves one; other tools may not)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    limits = limits or Limits.from_settings()
    _check_unpacked(data, limits)
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
            # The declared dimension (<dimension ref="A1:XFD1048576"/>) is not trusted: without
            # it openpyxl pads no row to a claimed width and adds no claimed rows at the end.
            sheet.reset_dimensions()
            rows, filled = [], 0
            for row in sheet.iter_rows():
                # The number format matters only for date cells (date-only or date and time).
                values = [_cell_text(c.value, c.number_format) if isinstance(c.value, datetime)
                          else _cell_text(c.value) for c in row]
                while values and values[-1] is None:      # a formatted but empty cell is not a column
                    values.pop()
                if values:
                    filled += 1
                    if filled > limits.rows + 1:           # the header and the rows allowed
                        raise FileProblem("too_many_rows", limit=_number(limits.rows))
                    if len(values) > limits.columns:
                        raise FileProblem("too_many_columns", limit=_number(limits.columns))
                rows.append(values)
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
    except Exception:  # a damaged zip member (zipfile, zlib): the report says the workbook is damaged
        raise FileProblem("bad_xlsx") from None
    if formulas:
        try:
            with_formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                formula_sheet = with_formulas.worksheets[position]
                formula_sheet.reset_dimensions()
                for r, row in enumerate(formula_sheet.iter_rows(values_only=True)):
                    if r >= len(rows):
                        break
                    for c, value in enumerate(row[:limits.columns]):
                        if isinstance(value, str) and value.startswith("=") and r < len(rows) \
                                and (c >= len(rows[r]) or rows[r][c] is None):
                            cell_problems.append((r + 1, c, "formula_no_value", f"{get_column_letter(c + 1)}{r + 1}"))
                            if r == 0:
                                rows[r][c] = value      # a header written as a formula: shown as such
            finally:
                with_formulas.close()
        except Exception:  # openpyxl's many kinds for damaged formula XML: the report names the sheet
            raise FileProblem("bad_sheet", sheet=sheet.title) from None
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    headers, cells, numbers = _split_header(frame)
    return headers, cells, numbers, sheet.title, several, cell_problems


def _long_cells(cells: pd.DataFrame, rows: pd.Series, limit: int) -> tuple[pd.DataFrame, list]:
    """Cells past the length limit: emptied, each a cell problem that keeps its first characters."""
    problems, over = [], {}
    for position, name in enumerate(cells.columns):
        column = cells[name]
        long = column.notna() & (column.str.len() > limit)
        if long.any():
            over[name] = long
            problems += [(int(rows[index]), position, "cell_too_long", _number(limit), column[index][:CUT_VALUE])
                         for index in long[long].index]
    if over:
        cells = cells.copy()
        for name, long in over.items():
            cells[name] = cells[name].mask(long)
    return cells, problems


def give_back_memory() -> None:
    """Return memory freed by Python and Arrow to the system, so that the database (which has its
    own allocator) can use it: glibc keeps freed blocks below its mmap threshold (a 1 M-row
    column is one) in the process, and Arrow's pool keeps freed pages, and neither can go to
    DuckDB otherwise. Best effort: elsewhere than glibc, or should either call fail, nothing."""
    import ctypes

    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except Exception:  # an older pyarrow, or no pyarrow: its memory stays with it
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc
        pass


def read(data: bytes, name: str, limits: Limits | None = None) -> RawFile:
    import hashlib

    limits = limits or Limits.from_settings()
    if len(data) > limits.file_mb * 2**20:
        raise FileProblem("file_too_big", limit=_number(limits.file_mb))
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise FileProblem("empty_file")
    sheet, cell_problems = None, []
    _sniff(data, name)
    if data.startswith(ZIP_MAGICS) or Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        headers, cells, rows, sheet, several, cell_problems = read_xlsx(data, limits)
        # With more than one sheet the check names the one it read (shown with the encoding on
        # the page, in the CLI line and in the import log).
        encoding = f"xlsx, sheet “{mask_text(sheet)}”" if several else "xlsx"
    else:
        utf8 = _utf8_checked(data)
        if utf8 is not None:
            # The bytes as they came, checked piece by piece: the whole text is never held.
            first_line, encoding = utf8
            headers, cells, rows = _read_csv(data, encoding, first_line, limits)
        else:
            text, encoding = decode(data)
            first_line = _first_line(text)
            source = text.encode("utf-8")
            del text
            headers, cells, rows = _read_csv(source, "utf-8", first_line, limits)
    # A CSV no longer than the limit cannot hold a cell past it (an XLSX is packed: always looked at).
    if sheet is not None or len(data) > limits.cell_chars:
        cells, long = _long_cells(cells, rows, limits.cell_chars)
        cell_problems = cell_problems + long
    return RawFile(name=Path(name).name, sha256=sha, encoding=encoding, headers=headers, cells=cells, rows=rows,
                   sheet=sheet, cell_problems=cell_problems)
