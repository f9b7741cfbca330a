"""A small database file for import tests, and helpers to write delivered files.

Two districts (江北区 500105, 南岸区 500108) with one township and community each; case 1;
facility F1 with rooms F1-1, F1-2; testing round R1 with tube 1; data as of 2022-08-05 18:00.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from sitrep import PROJECT_ROOT, opstore
from sitrep.intake.run import import_file
from tests.fixture_db import FixtureDB

DATA_AS_OF = "2022-08-05 18:00:00"


def build_small_db(path: Path) -> Path:
    db = FixtureDB(path)
    db.district("500105", name_zh="江北区", name_en="Jiangbei District")
    db.district("500108", name_zh="南岸区", name_en="Nan'an District")
    db.insert("townships", township_code="500105001", district_code="500105")
    db.insert("townships", township_code="500108001", district_code="500108")
    db.insert("communities", community_code="500105001001", township_code="500105001", district_code="500105")
    db.insert("communities", community_code="500108001001", township_code="500108001", district_code="500108")
    db.insert("persons", person_id=1, full_name="病例一", id_card_number="50010519800101001X")
    db.insert("cases", case_id=1, person_id=1, classification="asymptomatic", sampled_at="2022-08-01 08:00",
              confirmed_at="2022-08-01 12:00")
    db.facility("F1", rooms=2)
    db.insert("testing_rounds", round_id="R1", started_at="2022-08-05 06:00", deadline_at="2022-08-06 06:00")
    db.insert("testing_tubes", tube_id=1, round_id="R1", sampled_at="2022-08-05 07:00")
    db.insert("dataset_info", key="data_as_of", value=DATA_AS_OF)
    db.con.close()
    return path


def csv_bytes(rows: list[list], header: list[str], encoding: str = "utf-8") -> bytes:
    frame = pd.DataFrame(rows, columns=header)
    return frame.to_csv(index=False).encode(encoding)


def xlsx_bytes(rows: list[list], header: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load(db: Path, data: bytes, table: str, name: str = "file.csv", **kw):
    return import_file(db, data, name, table, by="测试员", **kw)


def query(db: Path, sql: str, **params) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()


def table_digest(db: Path) -> dict[str, str]:
    """Every table's rows, hashed in a fixed order: equal digests, equal contents."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by 1").fetchall()]
        out = {}
        for name in names:
            frame = con.execute(f'select * from "{name}"').df()
            frame = frame.sort_values(list(frame.columns)).reset_index(drop=True) if len(frame) else frame
            out[name] = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
        return out
    finally:
        con.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: str, timeout: int = 300, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitrep", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def samples_csv(path: Path, first_id: int, rows: int, tube_id: int = 1) -> Path:
    """`rows` testing samples numbered from first_id, all in one tube."""
    ids = pd.RangeIndex(first_id, first_id + rows)
    frame = pd.DataFrame({"采样编号": ids, "样本管编号": tube_id,
                          "采样时间": "2022-08-05 07:00"})
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def import_log(db: Path) -> pd.DataFrame:
    """The import log of the database at `db` (the operational store), newest first."""
    return opstore.import_log(db)
