"""A drill-through lists exactly the rows behind its metric's numbers, for the isolation, contacts
and cases rules that have one: ISO-USE, ISO-COMMISSION, ISO-SINGLE, CON-TRANSFER, CON-SEPARATE,
CASE-NEW, CASE-SOCIAL, CASE-RETEST.

Each rule below says how its detail's rows add up to columns of its metric (e.g. ISO-SINGLE: the
distinct rooms of details/iso_single_rooms are the numerator, its rows the people). At moments of
the demo where those numbers are not zero, the detail, added up per district, must equal every
district row of the metric; added up over the city, the city row (district_code null); and, run
for the busiest district alone, that district's row.
"""

import pandas as pd
import pytest

from sitrep import registry
from sitrep.queries import run_metric

SECTIONS = ("ISO-", "CON-", "CASE-")


def _count(column, value):
    return lambda rows: int((rows[column] == value).sum())


# metric id -> {metric column: how the detail's rows add up to it}.
ADDS_UP = {
    "ISO-USE": {
        "numerator": lambda rows: int(rows["rooms_occupied"].sum()),
        "denominator": lambda rows: int(rows["rooms"].sum()),
    },
    "ISO-COMMISSION": {
        "numerator": len,
        "facilities": lambda rows: rows["facility_id"].nunique(),
        "people": lambda rows: int(rows["people_in_room"].sum()),
    },
    "ISO-SINGLE": {
        "numerator": lambda rows: rows["room_id"].nunique(),
        "people": len,
    },
    "CON-TRANSFER": {
        "open_overdue": _count("status", "open_overdue"),
        "done_late": _count("status", "done_late"),
    },
    "CON-SEPARATE": {
        "numerator": lambda rows: rows["transport_run_id"].nunique(),
        "case_passengers": _count("passenger_kind", "case"),
        "contact_passengers": _count("passenger_kind", "contact"),
    },
    "CASE-NEW": {
        "new_total": len,
        "new_confirmed": _count("classification", "confirmed"),
        "new_asymptomatic": _count("classification", "asymptomatic"),
    },
    "CASE-SOCIAL": {
        "numerator": len,
    },
    "CASE-RETEST": {
        "numerator": len,
        "missing_first_retest": _count("retest_number", 1),
        "missing_second_retest": _count("retest_number", 2),
    },
}

# Moments of the demo at which each rule's detail lists rows (so its numbers are not zero there).
MOMENTS = {
    "ISO-USE": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-05 18:00"],
    "ISO-COMMISSION": ["2022-07-22 12:00", "2022-07-24 12:00"],
    "ISO-SINGLE": ["2022-07-24 18:00", "2022-07-28 12:00"],
    "CON-TRANSFER": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-05 18:00"],
    "CON-SEPARATE": ["2022-07-24 18:00", "2022-07-28 12:00"],
    "CASE-NEW": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-05 18:00"],
    "CASE-SOCIAL": ["2022-07-20 12:00", "2022-07-24 18:00", "2022-08-05 18:00"],
    "CASE-RETEST": ["2022-07-28 12:00", "2022-08-05 18:00"],
}

CASES = [(metric_id, moment) for metric_id, moments in MOMENTS.items() for moment in moments]
ONE_MOMENT_EACH = [(metric_id, moments[-1]) for metric_id, moments in MOMENTS.items()]


def test_every_detail_of_these_sections_is_checked_here():
    with_detail = {m.id for m in registry.metrics().values() if m.id.startswith(SECTIONS) and m.detail}
    assert set(ADDS_UP) == with_detail
    assert set(MOMENTS) == with_detail


def _added_up(metric_id, rows):
    return {column: int(add_up(rows)) for column, add_up in ADDS_UP[metric_id].items()}


def _metric_numbers(row, columns):
    return {column: int(row[column]) for column in columns}


@pytest.mark.parametrize(("metric_id", "moment"), CASES, ids=[f"{m}@{t}" for m, t in CASES])
def test_detail_rows_add_up_to_the_metric_per_district_and_for_the_city(demo, metric_id, moment):
    entry = registry.metric(metric_id)
    as_of = pd.Timestamp(moment)
    metric = run_metric(demo, metric_id, as_of=as_of)
    detail = run_metric(demo, metric_id, as_of=as_of, query=entry.detail)
    columns = list(ADDS_UP[metric_id])
    assert len(detail) > 0, f"{entry.detail} lists nothing at {moment}: the check proves nothing there"

    city = metric[metric["district_code"].isna()]
    assert len(city) == 1
    assert _added_up(metric_id, detail) == _metric_numbers(city.iloc[0], columns)

    districts = metric[metric["district_code"].notna()].set_index("district_code")
    assert set(detail["district_code"]) <= set(districts.index)
    for district_code, row in districts.iterrows():
        rows = detail[detail["district_code"] == district_code]
        assert _added_up(metric_id, rows) == _metric_numbers(row, columns), district_code


@pytest.mark.parametrize(("metric_id", "moment"), ONE_MOMENT_EACH,
                         ids=[f"{m}@{t}" for m, t in ONE_MOMENT_EACH])
def test_detail_for_one_district_adds_up_to_that_districts_row(demo, metric_id, moment):
    entry = registry.metric(metric_id)
    as_of = pd.Timestamp(moment)
    everywhere = run_metric(demo, metric_id, as_of=as_of, query=entry.detail)
    busiest = everywhere["district_code"].value_counts().idxmax()

    metric = run_metric(demo, metric_id, as_of=as_of, district_code=busiest)
    detail = run_metric(demo, metric_id, as_of=as_of, query=entry.detail, district_code=busiest)
    row = metric[metric["district_code"] == busiest]
    assert len(row) == 1
    columns = list(ADDS_UP[metric_id])
    assert len(detail) > 0
    assert set(detail["district_code"]) == {busiest}
    assert _added_up(metric_id, detail) == _metric_numbers(row.iloc[0], columns)
