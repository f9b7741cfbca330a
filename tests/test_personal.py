"""Which data is personal is decided once (sitrep.personal) and every layer reads it: the schema
keeps it in `persons`, intake sends it there and masks it in reports, the Data page does not offer
it, and a CSV export refuses it."""

import io

import duckdb
import pandas as pd
import pytest

from sitrep import export
from sitrep.db import create_schema
from sitrep.export import csv_bytes
from sitrep.intake import specs
from sitrep.intake.report import report_frame
from sitrep.intake.templates import template_csv
from sitrep.personal import (PERSONAL_COLUMNS, PERSONAL_TABLES, PersonalDataError, is_personal, is_personal_table,
                             personal_columns)


@pytest.fixture()
def con():
    c = duckdb.connect()
    create_schema(c)
    c.execute("insert into persons values (1, '张三', '500105199001011234', '13800000000', 'M', 1990)")
    c.execute("insert into districts values ('500105', '江北区', 'Jiangbei District', 'district', 925800, 'x', "
              "106.7, 29.6, '{}')")
    yield c
    c.close()


def test_the_personal_columns_are_the_persons_tables_names_id_numbers_and_phones(con):
    columns = [r[0] for r in con.execute("select column_name from information_schema.columns "
                                         "where table_name = 'persons' order by ordinal_position").fetchall()]
    assert PERSONAL_TABLES == {"persons"}
    assert [c for c in columns if is_personal(c)] == list(PERSONAL_COLUMNS) == ["full_name", "id_card_number", "phone"]
    assert not is_personal("person_id") and not is_personal("name_zh") and not is_personal("birth_year")
    assert is_personal(" Phone ") and is_personal_table("PERSONS") and not is_personal_table("cases")


def test_intake_reads_the_same_rule_every_id_card_and_phone_column_is_personal():
    person_columns = set()
    for spec in specs.TABLES.values():
        for column in spec.columns:
            if column.kind in ("id_card", "phone"):
                assert is_personal(column.name), (spec.name, column.name)
            if is_personal(column.name):
                assert spec.person, f"{spec.name}.{column.name} is personal but the spec takes no person"
                person_columns.add(column.name)
    assert person_columns == set(PERSONAL_COLUMNS)


def test_an_intake_report_masks_a_personal_value_under_any_of_its_headers():
    spec = specs.table("cases")
    problems = pd.DataFrame({"row": [2, 3], "column": ["身份证号", "phone"], "value": ["500105199001011234", "13800000000"],
                             "reason": ["bad_id_card", "bad_phone"], "detail": [None, None]})
    report = report_frame(problems, "cases.csv", spec)
    assert "500105199001011234" not in report.to_csv() and "13800000000" not in report.to_csv()


def test_a_csv_export_refuses_a_frame_with_a_personal_column_and_names_it():
    with pytest.raises(PersonalDataError, match="id_card_number, phone"):
        csv_bytes(pd.DataFrame({"case_id": [1], "id_card_number": ["x"], "phone": ["y"]}))
    with pytest.raises(PersonalDataError, match="Full_Name"):
        csv_bytes(pd.DataFrame({"Full_Name": ["张三"]}))
    assert personal_columns(["case_id", "person_id"]) == []
    assert csv_bytes(pd.DataFrame({"case_id": [1], "person_id": [7]})).startswith(b"\xef\xbb\xbf")
    assert template_csv(specs.table("cases")).startswith(b"\xef\xbb\xbf")   # templates: Chinese headers, samples


def test_the_table_browser_refuses_a_personal_table_and_marks_it_not_exported(con):
    counts = export.row_counts(con).set_index("table")
    assert not counts.loc["persons", "exported"] and counts.loc["districts", "exported"]
    assert counts.loc["persons", "rows"] == 1
    for read in (lambda: export.preview(con, "persons", 10), lambda: export.table_csv(con, "persons")):
        with pytest.raises(PersonalDataError, match="'persons'"):
            read()
    with pytest.raises(ValueError, match="no table named 'nope'"):
        export.preview(con, "nope", 10)


def test_a_whole_table_csv_holds_every_row_chunk_by_chunk(con):
    con.execute("create table many as select range as n, 'x' || range as label from range(5000)")
    data = export.table_csv(con, "many", chunk_vectors=1)   # 2,048 rows a chunk: three chunks
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert data.count(b"\xef\xbb\xbf") == 1 and list(frame.columns) == ["n", "label"]
    assert frame["n"].tolist() == list(range(5000))
    assert len(export.preview(con, "many", 7)) == 7
