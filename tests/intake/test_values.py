"""Cell parsers: date-times as people type them, numbers, ID-card numbers, phones, labels."""

import pandas as pd
import pytest

from sitrep.intake import values as v

NOW = pd.Timestamp("2022-08-06 00:00")


@pytest.mark.parametrize("typed, expected", [
    ("2022-07-28 14:05", "2022-07-28 14:05:00"),
    ("2022/7/28 14:05", "2022-07-28 14:05:00"),
    ("2022.07.28 14:05:30", "2022-07-28 14:05:30"),
    ("2022-07-28T14:05:00", "2022-07-28 14:05:00"),
    (" 2022-7-8 9:05 ", "2022-07-08 09:05:00"),
    ("2022年7月28日 14:05", "2022-07-28 14:05:00"),
    ("2022年7月28日14时05分", "2022-07-28 14:05:00"),
    ("20220728 1405", "2022-07-28 14:05:00"),
    ("44770.5868055556", "2022-07-28 14:05:00"),            # Excel serial number
    ("2022-07-28T06:05:00Z", "2022-07-28 14:05:00"),         # UTC, read into Shanghai time
    ("2022-07-28T14:05:00+08:00", "2022-07-28 14:05:00"),
    ("2022-07-28T02:05:00-04:00", "2022-07-28 14:05:00"),
])
def test_date_times_as_people_type_them_are_read_as_shanghai_time(typed, expected):
    parsed, problem = v.parse_timestamp(pd.Series([typed]), now=NOW)
    assert problem.isna().all(), problem.tolist()
    assert parsed.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("typed, reason", [
    ("07/08/2022 10:00", "ambiguous_date"),     # 7 August or 8 July?
    ("28/07/2022 14:05", "ambiguous_date"),
    ("7-8-22 10:00", "ambiguous_date"),
    ("2022-02-30 10:00", "no_such_date"),
    ("2022-07-28 25:00", "no_such_date"),
    ("2022-07-28", "time_missing"),
    ("2022年7月28日", "time_missing"),
    ("昨天下午", "bad_datetime"),
    ("2022", "bad_datetime"),                   # a bare year is not an Excel serial
    ("2022-08-05 08:4", "bad_datetime"),        # a time cut short, not 08:04
    ("2022/8/5 8:4", "bad_datetime"),
    ("2022-08-05 08:40:5", "bad_datetime"),     # seconds cut short
    ("2022-08-05 08:4:05", "bad_datetime"),
    ("2022-08-05 ٠٨:٤٠", "bad_datetime"),       # digits NFKC does not fold: refused, not read
    ("44778", "time_missing"),                  # a whole serial is a date: 2022-08-05, no time
    ("44778.0", "time_missing"),
    ("2022-08-05 00:00:00"[:10], "time_missing"),
    ("2019-12-31 23:59", "too_early"),
    ("2022-08-06 00:11", "in_future"),          # 11 minutes after "now"
])
def test_bad_and_ambiguous_date_times_are_refused_with_their_reason(typed, reason):
    parsed, problem = v.parse_timestamp(pd.Series([typed]), now=NOW)
    assert problem.iloc[0] == reason
    assert pd.isna(parsed.iloc[0])


def test_ten_minutes_of_clock_skew_are_allowed():
    _, problem = v.parse_timestamp(pd.Series(["2022-08-06 00:10"]), now=NOW)
    assert problem.isna().all()


@pytest.mark.parametrize("typed, expected, reason", [
    ("12", 12, None), ("1,200", 1200, None), ("3.0", 3, None), ("+7", 7, None), ("0", 0, None),
    ("-5", None, "negative"), ("3.5", None, "not_whole"), ("十", None, "not_a_number"), ("1e3", None, "not_a_number"),
    ("１２", None, "not_a_number"),           # full-width digits unfolded: refused, never empty (see normalise)
    ("٥٠٠", None, "not_a_number"),
    ("999999999999999999", 999999999999999999, None), ("9223372036854775808", None, "too_large"),
    ("12345678901234567890", None, "too_large"), ("000000000000000000012", 12, None),
])
def test_counts(typed, expected, reason):
    parsed, problem = v.parse_integer(pd.Series([typed]), non_negative=True)
    assert (problem.iloc[0] if not pd.isna(problem.iloc[0]) else None) == reason
    assert (None if pd.isna(parsed.iloc[0]) else int(parsed.iloc[0])) == expected


def test_integer_bounds():
    _, problem = v.parse_integer(pd.Series(["0", "1", "20", "21"]), minimum=1, maximum=20)
    assert problem.tolist()[0] == "below_minimum" and problem.tolist()[3] == "above_maximum"
    assert problem.iloc[1:3].isna().all()


def test_id_card_numbers_check_digit_birth_date_and_shape():
    good = v.id_card_with_check_digit("50010519900307001")
    assert good == "50010519900307001X"   # worked by hand: weighted sum 222, 222 % 11 = 2 -> X
    wrong_digit = good[:-1] + "1"
    cases = pd.Series([good.lower(), wrong_digit, "500105900307001", "5001051990030700", "500105199013070010"])
    parsed, problem = v.parse_id_card(cases)
    assert parsed.iloc[0] == good and pd.isna(problem.iloc[0])   # a lower-case x is the same number
    assert problem.tolist()[1:] == ["id_card_check_digit", "id_card_15", "id_card_shape", "id_card_birth_date"]


def test_an_id_card_number_excel_turned_into_a_number_is_named_as_such():
    _, problem = v.parse_id_card(pd.Series(["5.00105E+17", "5.001052E17"]))
    assert problem.tolist() == ["id_card_excel_number", "id_card_excel_number"]


def test_phone_numbers():
    parsed, problem = v.parse_phone(pd.Series(["138 1234 5678", "+86 138-1234-5678", "023-6388 1234", "1381234567",
                                               "12812345678"]))
    assert parsed.tolist()[:3] == ["13812345678", "13812345678", "02363881234"]
    assert problem.tolist()[3:] == ["phone_format", "phone_format"]


def test_labels_map_to_stored_values():
    accepted = {"close": ("密接", "密切接触者"), "secondary": ("次密接",)}
    parsed, problem = v.parse_enum(pd.Series(["密接", "次密接", "CLOSE", "密切接触者", "密接者"]), accepted)
    assert parsed.tolist()[:4] == ["close", "secondary", "close", "close"]
    assert problem.tolist()[4] == "not_allowed"


@pytest.mark.parametrize("typed, folded", [
    ("１２３", "123"), ("１，２００", "1,200"), ("２０２２－０８－０５\u3000０８：４０", "2022-08-05 08:40"),
    ("５００１０５１９９００３０７００１Ｘ", "50010519900307001X"), ("＋８６ １３８", "+86 138"), ("F1", "F1"),
])
def test_full_width_forms_are_folded_to_ascii(typed, folded):
    assert v.normalise(pd.Series([typed])).iloc[0] == folded


def test_folded_cells_parse_as_what_they_spell():
    parsed, problem = v.parse_timestamp(v.normalise(pd.Series(["２０２２－０７－２８　１４：０５"])), now=NOW)
    assert problem.isna().all() and parsed.iloc[0] == pd.Timestamp("2022-07-28 14:05")
    parsed, problem = v.parse_integer(v.normalise(pd.Series(["１，２００"])))
    assert problem.isna().all() and parsed.iloc[0] == 1200


def test_single_digit_minutes_stand_only_before_fen():
    parsed, problem = v.parse_timestamp(pd.Series(["2022年7月28日 14时5分"]), now=NOW)
    assert problem.isna().all() and parsed.iloc[0] == pd.Timestamp("2022-07-28 14:05")
