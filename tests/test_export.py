"""CSV snapshots: UTF-8 with BOM, a stamped file name, spreadsheet formulas neutralised."""

import io

import pandas as pd

from sitrep.export import csv_bytes, file_name


def _read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_csv_starts_with_a_utf8_bom_and_keeps_chinese_text():
    data = csv_bytes(pd.DataFrame({"区县": ["渝中区"], "value": [1]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "渝中区" in data.decode("utf-8-sig")


def test_file_name_carries_the_metric_and_the_as_of_stamp():
    name = file_name("TEST-ROUND", pd.Timestamp("2022-08-05 18:00"))
    assert name.endswith(".csv")
    assert "TEST-ROUND" in name
    assert "20220805-1800" in name
    assert file_name("a/b c", pd.Timestamp("2022-08-05 18:00")) == "sitrep_a_b_c_asof_20220805-1800.csv"


def test_formula_cells_are_neutralised_but_negative_numbers_are_left_alone():
    frame = pd.DataFrame({
        "text": ["=SUM(A1:A9)", "+86 138", "-2+3", "@cmd", "\tx", "plain", "500105"],
        "number": [-5, -1.5, 0, 3, -7, 2, 1],
    })
    out = _read(csv_bytes(frame))
    assert out["text"].tolist() == ["'=SUM(A1:A9)", "'+86 138", "'-2+3", "'@cmd", "'\tx", "plain", "500105"]
    assert out["number"].tolist() == ["-5.0", "-1.5", "0.0", "3.0", "-7.0", "2.0", "1.0"]
    integers = _read(csv_bytes(pd.DataFrame({"delta": [-3, 4]})))
    assert integers["delta"].tolist() == ["-3", "4"]


def test_header_cells_are_neutralised_too_and_the_frame_is_not_modified():
    frame = pd.DataFrame({"=evil": ["=1"]})
    out = _read(csv_bytes(frame))
    assert list(out.columns) == ["'=evil"]
    assert frame.iloc[0, 0] == "=1" and list(frame.columns) == ["=evil"]


def test_timestamps_are_written_to_the_minute():
    out = _read(csv_bytes(pd.DataFrame({"at": [pd.Timestamp("2022-08-05 18:00:59")]})))
    assert out["at"].tolist() == ["2022-08-05 18:00"]
