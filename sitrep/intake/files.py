"""Reading a delivered file into rows of text, whatever Excel or a source system wrote.

CSV in UTF-8 (with or without BOM), GB18030/GBK (Excel on Chinese Windows), or UTF-16 with BOM
("Unicode text", tab-separated); XLSX (first sheet). Every cell arrives as text or None, with the
row number a person sees in Excel (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

XLSX_MAGIC = b"PK\x03\x04"


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


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:
        raise FileProblem("bad_encoding", position=error.start) from None


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
        raise FileProblem("bad_csv", detail=str(error).strip()) from None
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


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and abs(value) >= 1e15:
        # Excel keeps 15 significant digits: an 18-digit ID typed as a number has lost its last
        # digits. Written as Excel shows it, so the check says so instead of a wrong check digit.
        return f"{value:.5E}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes) -> tuple[list[str], pd.DataFrame, pd.Series]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged or encrypted workbook: openpyxl raises many kinds
        raise FileProblem("bad_xlsx", detail=f"{type(error).__name__}: {error}") from None
    try:
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise FileProblem("empty_file")
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    return _split_header(frame)


def read(data: bytes, name: str) -> RawFile:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise FileProblem("empty_file")
    if data.startswith(XLSX_MAGIC) or Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        headers, cells, rows = read_xlsx(data)
        encoding = "xlsx"
    else:
        text, encoding = decode(data)
        headers, cells, rows = read_csv_text(text)
    return RawFile(name=Path(name).name, sha256=sha, encoding=encoding, headers=headers, cells=cells, rows=rows)
