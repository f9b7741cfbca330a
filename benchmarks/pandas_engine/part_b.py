"""The pandas engine, part B: the testing (TEST-*), investigation (EPI-*), screening (SCR-*), risk-area
(RISK-*) and VAC-60 metrics, and the shared clock query metrics/timeliness for all of its rules
(CON-TRANSFER included), computed the way most Streamlit dashboards compute: the tables loaded into
DataFrames, grouped and merged with pandas.

Each function reads what its queries/*.sql file reads and returns what it returns: the same
columns in the same order, the same rows in the same order, the same values (up to float rounding;
sitrep.engines.agreement compares them). The staging views and fragments a query reads are the
helpers below, one per file, named after it. Only the whole city is computed: a place filter
($district_code, $township_code) raises NotImplementedError.

    QUERIES["metrics/test_round"](tables, bound)   # bound as sitrep.queries.bind gives it
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

Tables = Mapping[str, pd.DataFrame]
MINUTE = pd.Timedelta(minutes=1)


# --- Small pieces of SQL semantics ---------------------------------------------------------------

def _whole_city(p: dict[str, Any]) -> None:
    for place in ("district_code", "township_code"):
        if p.get(place) is not None:
            raise NotImplementedError(f"the pandas engine computes the whole city only; got ${place} = {p[place]!r}")


def _as_of(p: dict[str, Any]) -> pd.Timestamp:
    moment = pd.Timestamp(p["as_of"])
    if moment.tzinfo is not None:
        raise ValueError(f"$as_of is a wall-clock time in Chongqing without a zone; got {moment}")
    return moment


def _hours(value: Any) -> pd.Timedelta:
    """`$setting * interval '1' hour` (a setting may bind as a Decimal)."""
    return pd.Timedelta(hours=float(value))


def _minutes_between(start: pd.Series | pd.Timestamp, end: pd.Series | pd.Timestamp) -> pd.Series:
    """date_diff('minute', start, end): minute boundaries crossed, not elapsed time (10:00:50 to
    10:01:10 is 1). NaN where either is null."""
    floor = lambda t: t.floor("min") if isinstance(t, pd.Timestamp) else t.dt.floor("min")  # noqa: E731
    return (floor(end) - floor(start)) // MINUTE


def _is_false(flags: pd.Series) -> pd.Series:
    """`not flag` as a filter: null is neither true nor false, so it does not pass."""
    return flags.eq(False).fillna(False).astype(bool)


def _is_true(flags: pd.Series) -> pd.Series:
    return flags.eq(True).fillna(False).astype(bool)


def _nullif_zero(values: pd.Series) -> pd.Series:
    return values.astype("float64").where(values.astype("float64") != 0)


# Aggregates by name: pandas' own group-wise methods, "sum_or_null" being SQL's sum() (null when every
# value is null; pandas gives 0) and "size" count(*). One call per aggregate for all the columns
# that use it: named aggregation calls once per column, and its overhead dominates these small frames.
def _aggregate(grouped, spec: dict[str, tuple[str, str]]) -> pd.DataFrame:
    by_function: dict[str, list[tuple[str, str]]] = {}
    for name, (column, function) in spec.items():
        by_function.setdefault(function, []).append((name, column))
    parts = {}
    for function, pairs in by_function.items():
        columns = list(dict.fromkeys(column for _, column in pairs))
        if function == "size":
            values = grouped.size()
            parts.update({name: values for name, _ in pairs})
            continue
        selected = grouped[columns]
        values = selected.sum(min_count=1) if function == "sum_or_null" else getattr(selected, function)()
        parts.update({name: values[column] for name, column in pairs})
    return pd.DataFrame({name: parts[name] for name in spec})


def _grouping_sets(rows: pd.DataFrame, keys: list[str], total_keys: list[str], spec: dict[str, tuple[str, str]],
                   zero_when_empty: tuple[str, ...] = ()) -> pd.DataFrame:
    """`group by grouping sets ((keys), (total_keys))`: one row per value of `keys`, then one per
    value of `total_keys` with the other keys null (the city row). Over no rows at all, SQL still
    gives the grand total (total_keys empty) one row: counts 0, every other aggregate null."""
    detail = _aggregate(rows.groupby(keys, dropna=False, sort=False), spec).reset_index()
    if total_keys:
        total = _aggregate(rows.groupby(total_keys, dropna=False, sort=False), spec).reset_index()
    elif len(rows):
        total = _aggregate(rows.groupby(np.zeros(len(rows), dtype=np.int8)), spec).reset_index(drop=True)
    else:
        total = pd.DataFrame({name: [0 if name in zero_when_empty else None] for name in spec})
    for key in keys:
        if key not in total_keys:
            total[key] = None
    return pd.concat([total[detail.columns], detail], ignore_index=True)


def _ordered(frame: pd.DataFrame, columns: list[str], by: list[str]) -> pd.DataFrame:
    """`select columns ... order by by` with nulls first (the city row leads its group)."""
    return frame.sort_values(by, na_position="first", kind="stable")[columns].reset_index(drop=True)


def red_since(history: pd.DataFrame, scope: list[str]) -> pd.DataFrame:
    """fragments/red_since over a history (scope..., changed_at, is_red): per scope, the last change
    after which it was not red, and the first change after that (the first on record when red
    throughout). Only scopes red at their latest change have a row."""
    green = history[_is_false(history["is_red"])]
    last_green = green.groupby(scope, dropna=False)["changed_at"].max().rename("last_green_at").reset_index()
    joined = history.merge(last_green, on=scope, how="left")
    since = joined[joined["last_green_at"].isna() | (joined["changed_at"] > joined["last_green_at"])]
    return (since.groupby(scope, dropna=False)
            .agg(last_green_at=("last_green_at", "first"), red_since=("changed_at", "min"))
            .reset_index())


CLOCK_STATUSES = ["on_time", "done_late", "open_overdue", "pending"]


def _clock_status(clocks: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """fragments/clock_status: on_time, done_late, open_overdue or pending, to the minute."""
    done = clocks["done_at"].notna()
    # codes into a categorical: comparing hundreds of thousands of status strings is slow
    codes = np.select([done & (clocks["done_at"] <= clocks["deadline"]), done, clocks["deadline"] < as_of],
                      [0, 1, 2], 3).astype(np.int8)
    return pd.Series(pd.Categorical.from_codes(codes, categories=CLOCK_STATUSES), index=clocks.index)


# --- Clock rules: metrics/timeliness (CON-TRANSFER, EPI-*, SCR-8H, SCR-24H) -------------------------

SCREENING_LISTS = ("spacetime_companion", "same_vehicle", "key_area_stay", "roaming")
INVESTIGATION_STOPS = {"EPI-ARRIVE": "team_on_site_at", "EPI-CORE": "core_info_done_at",
                       "EPI-FULL": "full_trace_done_at"}
CLOCK_COLUMNS = ["district_code", "township_code", "started_at", "done_at"]


def stg_timeliness_clocks(tables: Tables, rule_id: str) -> pd.DataFrame:
    """staging/stg_timeliness_clocks where rule_id = rule_id: one row per item on that rule's clock
    (the other rules' parts of the union are not built)."""
    if rule_id == "CON-TRANSFER":
        c = tables["contacts"]
        c = c[(c["contact_type"] == "close") & (c["isolation_mode"] == "centralized")]
        return pd.DataFrame({"district_code": c["district_code"], "township_code": c["township_code"],
                             "started_at": c["identified_at"], "done_at": c["transferred_at"]})
    if rule_id in INVESTIGATION_STOPS:
        i = tables["investigations"].merge(tables["cases"][["case_id", "township_code"]], on="case_id", how="left")
        return pd.DataFrame({"district_code": i["district_code"], "township_code": i["township_code"],
                             "started_at": i["positive_confirmed_at"], "done_at": i[INVESTIGATION_STOPS[rule_id]]})
    if rule_id == "EPI-ASSIST":
        cases = tables["cases"][["case_id", "district_code", "township_code"]].rename(
            columns={"district_code": "case_district_code"})
        a = tables["assist_letters"].merge(cases, on="case_id", how="left")
        # the township of the letter's case, when the case lives in the sending district
        township = a["township_code"].where(a["case_district_code"] == a["from_district_code"])
        return pd.DataFrame({"district_code": a["from_district_code"], "township_code": township,
                             "started_at": a["identified_at"], "done_at": a["sent_at"]})
    if rule_id == "EPI-REPORT":
        c = tables["cases"]
        c = c[c["prelim_positive_at"].notna()]
        return pd.DataFrame({"district_code": c["district_code"], "township_code": c["township_code"],
                             "started_at": c["prelim_positive_at"], "done_at": c["reported_at"]})
    if rule_id == "EPI-PUBLISH":
        c = tables["cases"]
        c = c[c["classification"].isin(["confirmed", "asymptomatic"]) & c["confirmed_at"].notna()]
        return pd.DataFrame({"district_code": c["district_code"], "township_code": c["township_code"],
                             "started_at": c["confirmed_at"], "done_at": c["published_at"]})
    if rule_id in ("SCR-8H", "SCR-24H"):
        s = tables["screening_tasks"]
        s = s[s["list_type"].isin(SCREENING_LISTS)]
        s = s[(s["list_type"] == "roaming") == (rule_id == "SCR-24H")]
        return pd.DataFrame({"district_code": s["district_code"], "township_code": s["township_code"],
                             "started_at": s["pushed_at"], "done_at": s["checked_at"]})
    raise ValueError(f"metrics/timeliness: no clock rule {rule_id!r}")


def clock_items(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """fragments/clock_items: the items of rule $rule_id started by $as_of, each with its deadline,
    its stop as known at $as_of, its status and whether it is judged in the window."""
    as_of = _as_of(p)
    clocks = stg_timeliness_clocks(tables, p["rule_id"])
    clocks = clocks[clocks["started_at"] <= as_of].copy()
    clocks["deadline"] = clocks["started_at"] + _hours(p["limit_hours"])
    clocks["done_at"] = clocks["done_at"].where(clocks["done_at"] <= as_of)    # a later stop is not known yet
    clocks["status"] = _clock_status(clocks, as_of)
    clocks["in_window"] = clocks["deadline"] > as_of - _hours(p["timeliness_window_hours"])
    return clocks


def timeliness(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    judged = clock_items(tables, p)
    judged = judged[judged["in_window"] | (judged["status"] == "open_overdue")]
    in_window, status = judged["in_window"], judged["status"]
    rows = pd.DataFrame({
        "district_code": judged["district_code"],
        "on_time": in_window & (status == "on_time"),
        "late": in_window & status.isin(["done_late", "open_overdue"]),
        "done_late": in_window & (status == "done_late"),
        "pending": in_window & (status == "pending"),
        "open_overdue": status == "open_overdue",
        "missed_deadline": judged["deadline"].where((in_window & (status == "done_late")) | (status == "open_overdue")),
        "clock_minutes": _minutes_between(judged["started_at"], judged["done_at"]).where(in_window),
    })
    counted = ("on_time", "late", "done_late", "pending", "open_overdue")
    counts = _grouping_sets(rows, ["district_code"], [], {
        **{name: (name, "sum") for name in counted},
        "first_missed_deadline": ("missed_deadline", "min"),
        "median_minutes": ("clock_minutes", "median"),     # percentile_cont(0.5): nulls left out
    }, zero_when_empty=counted)
    judged_items = counts["on_time"] + counts["late"]
    red = (counts["late"] + counts["open_overdue"]) > 0
    counts["value"] = (counts["on_time"] / judged_items.where(judged_items > 0)).astype("float64")
    counts["numerator"] = counts["on_time"]
    counts["denominator"] = judged_items
    counts["threshold"] = float(p["limit_hours"])
    counts["is_red"] = red.astype(bool)
    counts["red_since"] = pd.to_datetime(counts["first_missed_deadline"]).where(red)
    return _ordered(counts, ["district_code", "value", "numerator", "denominator", "threshold", "is_red",
                             "red_since", *counted, "median_minutes"], ["district_code"])


# --- Testing rounds: TEST-ROUND, TEST-CADENCE, TEST-POOL --------------------------------------------

def stg_test_round_districts(tables: Tables) -> pd.DataFrame:
    """staging/stg_test_round_districts: one row per round and district, its target summed."""
    rounds = tables["testing_rounds"][["round_id", "scope", "started_at", "deadline_at"]].rename(
        columns={"deadline_at": "stored_deadline_at"})
    targets = (tables["testing_round_targets"]
               .groupby(["round_id", "district_code"], sort=False)
               .agg(target_population=("target_population", "sum"), targets=("target_population", "size"))
               .reset_index())
    joined = targets.merge(rounds, on="round_id", how="inner")
    return joined[["round_id", "district_code", "scope", "started_at", "stored_deadline_at",
                   "target_population", "targets"]]


def _round_half_away_from_zero(x: np.ndarray) -> np.ndarray:
    """DuckDB's round() of a double: halves away from zero (numpy rounds them to even)."""
    magnitude = np.abs(x)
    whole = np.floor(magnitude)
    return np.copysign(whole + (magnitude - whole >= 0.5), x)


def stg_test_progress(tables: Tables, stg_round_districts: pd.DataFrame) -> pd.DataFrame:
    """staging/stg_test_progress: every progress report with finished and projected_finish_at
    (stg_round_districts: what stg_test_round_districts gives, computed once per query)."""
    r = tables["testing_progress_reports"].merge(
        stg_round_districts[["round_id", "district_code", "scope", "started_at", "target_population"]],
        on=["round_id", "district_code"], how="inner")
    elapsed = _minutes_between(r["started_at"], r["reported_at"]).astype("int64")
    sampled, target = r["people_sampled"].astype("int64"), r["target_population"].astype("int64")
    r["elapsed_minutes"] = elapsed
    r["finished"] = (sampled >= target) & (r["people_tested"] >= sampled)
    projects = (sampled > 0) & (elapsed * target <= sampled * 52560000)     # beyond 100 years: never
    # 60.0 x minutes x target is exact (a decimal in DuckDB) before it is divided as a double.
    seconds = _round_half_away_from_zero((60 * elapsed * target).astype("float64") / sampled.where(projects, 1))
    r["projected_finish_at"] = (r["started_at"] + pd.to_timedelta(np.where(projects, seconds, 0), unit="s")
                                ).where(projects)
    return r[["round_id", "district_code", "scope", "started_at", "target_population", "reported_at",
              "people_sampled", "people_tested", "tubes_tested", "positive_tubes", "elapsed_minutes",
              "finished", "projected_finish_at"]]


def round_districts(stg_round_districts: pd.DataFrame, p: dict[str, Any]) -> pd.DataFrame:
    """fragments/round_districts: round-districts started by $as_of, each with its deadline."""
    d = stg_round_districts[stg_round_districts["started_at"] <= _as_of(p)].copy()
    d["deadline_at"] = d["stored_deadline_at"].fillna(d["started_at"] + _hours(p["testing_round_deadline_hours"]))
    return d[["round_id", "district_code", "scope", "started_at", "deadline_at", "target_population", "targets"]]


def round_reports(progress: pd.DataFrame, p: dict[str, Any], districts: pd.DataFrame) -> pd.DataFrame:
    """fragments/round_reports: reports filed by $as_of (progress: stg_test_progress) for `districts`,
    each judged late or not, with how many the round-district has filed and the latest first (recency 1)."""
    r = progress[progress["reported_at"] <= _as_of(p)].drop(columns=["scope", "started_at", "target_population"])
    r = r.merge(districts[["round_id", "district_code", "started_at", "deadline_at", "target_population"]],
                on=["round_id", "district_code"], how="inner")
    allowed = _minutes_between(r["started_at"], r["deadline_at"]).astype("int64")
    r["projected_late"] = (
        ((r["people_sampled"] > 0)
         & (r["elapsed_minutes"] * r["target_population"].astype("int64") > r["people_sampled"] * allowed))
        | ((r["reported_at"] > r["deadline_at"]) & ~r["finished"]))
    per_district = r.groupby(["round_id", "district_code"], sort=False)["reported_at"]
    r["reports"] = per_district.transform("size")
    r["recency"] = per_district.rank(method="first", ascending=False).astype("int64")
    return r[["round_id", "district_code", "reported_at", "people_sampled", "people_tested", "tubes_tested",
              "positive_tubes", "finished", "projected_finish_at", "projected_late", "reports", "recency"]]


def round_active(p: dict[str, Any], districts: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """fragments/round_active: round-districts not finished by their latest report at $as_of."""
    as_of = _as_of(p)
    latest = reports[reports["recency"] == 1].rename(columns={"reported_at": "last_report_at"})
    a = districts.merge(latest, on=["round_id", "district_code"], how="left")
    finished = a["finished"].astype("object").where(a["finished"].notna(), a["target_population"] == 0)
    a = a[~finished.astype(bool)].copy()
    counts = ("reports", "people_sampled", "people_tested", "tubes_tested", "positive_tubes")
    for column in counts:
        a[column] = a[column].fillna(0).astype("int64")
    a["is_late"] = (as_of > a["deadline_at"]) | _is_true(a["projected_late"])
    clock_from = a["last_report_at"].fillna(a["started_at"])
    a["minutes_since_report"] = _minutes_between(clock_from, as_of).astype("int64")
    a["next_report_due_at"] = clock_from + _hours(p["testing_report_cadence_hours"])
    return a[["round_id", "district_code", "scope", "started_at", "deadline_at", "target_population", "targets",
              "last_report_at", *counts, "projected_finish_at", "is_late", "minutes_since_report",
              "next_report_due_at"]]


def _active_round_districts(tables: Tables, p: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    stg_round_districts = stg_test_round_districts(tables)
    districts = round_districts(stg_round_districts, p)
    reports = round_reports(stg_test_progress(tables, stg_round_districts), p, districts)
    return round_active(p, districts, reports), reports


def test_round(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    as_of = _as_of(p)
    active, reports = _active_round_districts(tables, p)
    late_history = reports.rename(columns={"reported_at": "changed_at", "projected_late": "is_red"})
    late_since = red_since(late_history[["round_id", "district_code", "changed_at", "is_red"]],
                           ["round_id", "district_code"])
    judged = active.merge(late_since[["round_id", "district_code", "red_since"]],
                          on=["round_id", "district_code"], how="left")
    deadline_passed = judged["deadline_at"].where(as_of > judged["deadline_at"])
    # least() of the two, nulls left out
    earliest = pd.concat([judged["red_since"], deadline_passed], axis=1).min(axis=1)
    judged["is_red"] = judged["is_late"].astype(bool)
    judged["red_since"] = pd.to_datetime(earliest).where(judged["is_red"])
    judged["projected_finish_known"] = judged["projected_finish_at"].notna()
    rolled = _grouping_sets(judged, ["district_code", "round_id"], ["round_id"], {
        "scope": ("scope", "min"),
        "started_at": ("started_at", "min"),
        "deadline_at": ("deadline_at", "min"),
        **{c: (c, "sum") for c in ("target_population", "people_sampled", "people_tested", "tubes_tested",
                                   "positive_tubes")},
        "last_report_at": ("last_report_at", "max"),
        "projected_finish_latest": ("projected_finish_at", "max"),
        "projected_finish_known": ("projected_finish_known", "all"),
        "is_red": ("is_red", "any"),
        "red_since": ("red_since", "min"),
        "districts": ("round_id", "size"),
    })
    rolled["projected_finish_at"] = pd.to_datetime(rolled["projected_finish_latest"]).where(
        rolled["projected_finish_known"].astype(bool))
    rolled["value"] = rolled["people_sampled"] / _nullif_zero(rolled["target_population"])
    rolled["numerator"] = rolled["people_sampled"]
    rolled["denominator"] = rolled["target_population"]
    rolled["threshold"] = float(p["testing_round_deadline_hours"])
    rolled["is_red"] = rolled["is_red"].astype(bool)
    rolled["elapsed_hours"] = _minutes_between(rolled["started_at"], as_of) / 60.0
    rolled["tested_share"] = rolled["people_tested"] / _nullif_zero(rolled["people_sampled"])
    return _ordered(rolled, ["district_code", "round_id", "value", "numerator", "denominator", "threshold",
                             "is_red", "red_since", "scope", "started_at", "deadline_at", "elapsed_hours",
                             "last_report_at", "people_tested", "tested_share", "tubes_tested", "positive_tubes",
                             "projected_finish_at", "districts"], ["round_id", "district_code"])


def test_cadence(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    as_of = _as_of(p)
    a, _ = _active_round_districts(tables, p)
    overdue = as_of > a["next_report_due_at"]
    out = a.assign(
        value=a["minutes_since_report"] / 60.0,
        numerator=a["minutes_since_report"],
        denominator=None,
        threshold=float(p["testing_report_cadence_hours"]),
        is_red=overdue.astype(bool),
        red_since=a["next_report_due_at"].where(overdue),
    )
    return _ordered(out, ["district_code", "round_id", "value", "numerator", "denominator", "threshold", "is_red",
                          "red_since", "scope", "started_at", "deadline_at", "last_report_at", "reports",
                          "next_report_due_at"], ["round_id", "district_code"])


def round_pool_targets(tables: Tables, p: dict[str, Any], active: pd.DataFrame) -> pd.DataFrame:
    """fragments/round_pool_targets: the active round-districts' targets, each judged on its pool size."""
    t = tables["testing_round_targets"].merge(active[["round_id", "district_code", "started_at", "deadline_at"]],
                                              on=["round_id", "district_code"], how="inner")
    expected = t["risk_level"].map({"high": p["pool_size_high_risk"], "medium": p["pool_size_medium_risk"],
                                    "low": p["pool_size_low_risk"]})
    t["expected_pool_size"] = expected
    # an unknown level asks for nothing: `pool_size <> null` is not a breach
    t["breach"] = (expected.notna() & (t["pool_size"] != expected)).astype("int64")
    return t


def test_pool(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    active, _ = _active_round_districts(tables, p)
    judged = round_pool_targets(tables, p, active)
    breach = judged["breach"] == 1
    rows = pd.DataFrame({
        "district_code": judged["district_code"],
        "round_id": judged["round_id"],
        "breach": judged["breach"],
        "breach_round_started_at": judged["started_at"].where(breach),
        "people_in_breach": judged["target_population"].where(breach, 0),
        **{f"breaches_{level}": (breach & (judged["risk_level"] == level)).astype("int64")
           for level in ("high", "medium", "low")},
    })
    rolled = _grouping_sets(rows, ["district_code"], [], {
        "breaches": ("breach", "sum"),
        "targets": ("breach", "size"),
        "rounds": ("round_id", "nunique"),
        "first_breach_round_started_at": ("breach_round_started_at", "min"),
        **{c: (c, "sum") for c in ("people_in_breach", "breaches_high", "breaches_medium", "breaches_low")},
    }, zero_when_empty=("breaches", "targets", "rounds"))
    red = rolled["breaches"] > 0
    rolled["value"] = rolled["breaches"].astype("float64")
    rolled["numerator"] = rolled["breaches"]
    rolled["denominator"] = rolled["targets"]
    rolled["threshold"] = np.nan
    rolled["is_red"] = red.astype(bool)
    rolled["red_since"] = pd.to_datetime(rolled["first_breach_round_started_at"]).where(red)
    return _ordered(rolled, ["district_code", "value", "numerator", "denominator", "threshold", "is_red",
                             "red_since", "rounds", "people_in_breach", "breaches_high", "breaches_medium",
                             "breaches_low"], ["district_code"])


# --- TEST-TAT, TEST-OCCUP, TEST-SITES --------------------------------------------------------------

def test_tat(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    as_of = _as_of(p)
    t = tables["testing_tubes"]
    resulted = t["resulted_at"]
    t = t[(resulted > as_of - _hours(p["timeliness_window_hours"])) & (resulted <= as_of)]
    rows = pd.DataFrame({
        "district_code": t["district_code"],
        "to_lab": _minutes_between(t["sampled_at"], t["received_at"]),
        "to_result": _minutes_between(t["received_at"], t["resulted_at"]),
        "total": _minutes_between(t["sampled_at"], t["resulted_at"]),
        "positive": (t["result"] == "positive").astype("int64"),
    })
    # The SQL counts tubes per minute to find its medians; the median itself is the standard one.
    rolled = _grouping_sets(rows, ["district_code"], [], {
        "tubes": ("positive", "size"),
        "positive_tubes": ("positive", "sum"),
        "median_total": ("total", "median"),
        "median_to_lab": ("to_lab", "median"),
        "median_to_result": ("to_result", "median"),
    }, zero_when_empty=("tubes", "positive_tubes"))
    out = pd.DataFrame({
        "district_code": rolled["district_code"],
        "value": rolled["median_total"].astype("float64") / 60.0,
        "numerator": rolled["tubes"],
        "denominator": None,
        "threshold": np.nan,
        "is_red": False,
        "red_since": pd.NaT,
        "median_to_lab_hours": rolled["median_to_lab"].astype("float64") / 60.0,
        "median_to_result_hours": rolled["median_to_result"].astype("float64") / 60.0,
        "positive_tubes": rolled["positive_tubes"].fillna(0).astype("int64"),
    })
    return _ordered(out, list(out.columns), ["district_code"])


def test_occup(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    o = tables["occupational_testing"]
    o = o[pd.to_datetime(o["test_date"]) <= _as_of(p).normalize()]
    short = o["people_tested"] < o["people_due"]
    missed = (o["people_due"] - o["people_tested"]).where(short, 0)
    days = pd.DataFrame({
        "district_code": o["district_code"],
        "test_date": pd.to_datetime(o["test_date"]),
        "people_due": o["people_due"],
        "people_missed": missed,
        "missed_high": missed.where(o["risk_tier"] == "high", 0),
        "missed_higher": missed.where(o["risk_tier"] == "higher", 0),
        "occupations_short": short.astype("int64"),
    }).groupby(["district_code", "test_date"], sort=False).sum().reset_index()
    missed_history = days.rename(columns={"district_code": "scope_code", "test_date": "changed_at"}).assign(
        is_red=days["people_missed"] > 0)
    missed_since = red_since(missed_history[["scope_code", "changed_at", "is_red"]], ["scope_code"])
    last_day = days.groupby("district_code")["test_date"].transform("max")
    latest = days[days["test_date"] == last_day].merge(
        missed_since[["scope_code", "red_since"]].rename(columns={"scope_code": "district_code"}),
        on="district_code", how="left")
    latest["red_since"] = pd.to_datetime(latest["red_since"]).where(latest["people_missed"] > 0)
    rolled = _grouping_sets(latest, ["district_code"], [], {
        "test_date": ("test_date", "max"),
        **{c: (c, "sum") for c in ("people_due", "people_missed", "missed_high", "missed_higher",
                                   "occupations_short")},
        "red_since": ("red_since", "min"),
    }, zero_when_empty=("people_missed",))
    red = rolled["people_missed"] > 0
    rolled["value"] = rolled["people_missed"].astype("float64")
    rolled["numerator"] = rolled["people_missed"]
    rolled["denominator"] = rolled["people_due"]
    rolled["threshold"] = np.nan
    rolled["is_red"] = red.astype(bool)
    return _ordered(rolled, ["district_code", "value", "numerator", "denominator", "threshold", "is_red",
                             "red_since", "test_date", "missed_high", "missed_higher", "occupations_short"],
                    ["district_code"])


def test_sites(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    as_of = _as_of(p)
    c = tables["communities"]
    c = c[c["population"].isna() | (c["population"] >= p["residents_per_sampling_site"])]
    s = tables["sampling_sites"]
    s = s[s["opened_at"] <= as_of]
    closed = s["closed_at"]
    sites_so_far = pd.DataFrame({
        "community_code": s["community_code"],
        "open": (closed.isna() | (closed > as_of)).astype("int64"),
        "closed_by_now": closed.where(closed <= as_of),
    }).groupby("community_code").agg(open_sites=("open", "sum"), last_closed_at=("closed_by_now", "max"))
    judged = c[["community_code", "district_code", "population"]].join(sites_so_far, on="community_code")
    known = judged["population"].notna()
    without_site = judged["open_sites"].fillna(0) == 0
    missing = without_site & known
    rows = pd.DataFrame({
        "district_code": judged["district_code"],
        "eligible": known.astype("int64"),
        "missing": missing.astype("int64"),
        "unknown_missing": (without_site & ~known).astype("int64"),
        "missing_population": judged["population"].where(missing),
        "missing_never_had": (missing & judged["last_closed_at"].isna()).astype("int64"),
        "missing_since": judged["last_closed_at"].where(missing),
    })
    rolled = _grouping_sets(rows, ["district_code"], [], {
        "communities": ("eligible", "sum"),
        "missing": ("missing", "sum"),
        "unknown_without_site": ("unknown_missing", "sum"),
        "residents_without_site": ("missing_population", "sum"),   # coalesce(sum(...), 0)
        "missing_never_had": ("missing_never_had", "sum"),
        "missing_since": ("missing_since", "min"),
    }, zero_when_empty=("missing", "unknown_without_site", "residents_without_site", "missing_never_had"))
    missing, unknown = rolled["missing"], rolled["unknown_without_site"]
    known_answer = (missing > 0) | (unknown == 0)
    rolled["value"] = missing.astype("float64").where(known_answer)
    rolled["numerator"] = missing.where(known_answer)
    rolled["denominator"] = rolled["communities"]
    rolled["threshold"] = float(p["residents_per_sampling_site"])
    rolled["is_red"] = (missing > 0).astype("object").where(known_answer, None)
    since_known = (missing > 0) & (rolled["missing_never_had"] == 0)     # else the breach began before the data
    rolled["red_since"] = pd.to_datetime(rolled["missing_since"]).where(since_known)
    rolled["residents_without_site"] = rolled["residents_without_site"].fillna(0).astype("int64")
    return _ordered(rolled, ["district_code", "value", "numerator", "denominator", "threshold", "is_red",
                             "red_since", "residents_without_site", "unknown_without_site"], ["district_code"])


# --- Screening: SCR-OUTCOME, SCR-ARRIVAL -----------------------------------------------------------

def screening_checks(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """fragments/screening_checks: list entries checked by $as_of, with their police review."""
    as_of = _as_of(p)
    s = tables["screening_tasks"]
    s = s[s["checked_at"] <= as_of].copy()
    s["for_review"] = s["outcome"].isin(["unverifiable", "not_in_chongqing"])
    review = s["police_review_at"]
    s["in_backlog"] = s["for_review"] & (review.isna() | (review > as_of))
    return s


def scr_outcome(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    marked = screening_checks(tables, p)
    outcome = marked["outcome"]
    rows = pd.DataFrame({
        "district_code": marked["district_code"],
        "verified": outcome == "verified",
        "unverifiable": outcome == "unverifiable",
        "not_in_chongqing": outcome == "not_in_chongqing",
        "for_review": marked["for_review"],
        "reviewed": marked["for_review"] & ~marked["in_backlog"],
        "backlog": marked["in_backlog"],
        "backlog_checked_at": marked["checked_at"].where(marked["in_backlog"]),
    })
    counted = ("verified", "unverifiable", "not_in_chongqing", "for_review", "reviewed", "backlog")
    counts = _grouping_sets(rows, ["district_code"], [], {
        "checked": ("district_code", "size"),
        **{c: (c, "sum") for c in counted},
        "oldest_backlog_at": ("backlog_checked_at", "min"),
    }, zero_when_empty=("checked", *counted))
    red = counts["backlog"] > 0
    counts["value"] = counts["backlog"].astype("float64")
    counts["numerator"] = counts["backlog"]
    counts["denominator"] = counts["for_review"]
    counts["threshold"] = np.nan
    counts["is_red"] = red.astype(bool)
    counts["red_since"] = pd.to_datetime(counts["oldest_backlog_at"])
    return _ordered(counts, ["district_code", "value", "numerator", "denominator", "threshold", "is_red",
                             "red_since", "checked", "verified", "unverifiable", "not_in_chongqing", "reviewed",
                             "backlog"], ["district_code"])


def screening_arrivals(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """fragments/screening_arrivals: arrivals by $as_of on the clock of the registration grace."""
    as_of = _as_of(p)
    a = tables["arrivals"]
    a = a[a["arrived_at"] <= as_of]
    clocks = pd.DataFrame({
        "district_code": a["district_code"],
        "origin_kind": a["origin_kind"],
        "deadline": a["arrived_at"] + _hours(p["arrival_registration_grace_hours"]),
        "done_at": a["registered_at"].where(a["registered_at"] <= as_of),
    })
    clocks["status"] = _clock_status(clocks, as_of)
    return clocks


def scr_arrival(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    marked = screening_arrivals(tables, p)
    status, overdue = marked["status"], marked["status"] == "open_overdue"
    rows = pd.DataFrame({
        "district_code": marked["district_code"],
        "registered_on_time": status == "on_time",
        "registered_late": status == "done_late",
        "within_grace": status == "pending",
        "overdue": overdue,
        "overdue_key_area": overdue & (marked["origin_kind"] == "key_area_domestic"),
        "overdue_abroad": overdue & (marked["origin_kind"] == "abroad"),
        "missed_due_at": marked["deadline"].where(overdue),
    })
    counted = ("registered_on_time", "registered_late", "within_grace", "overdue", "overdue_key_area",
               "overdue_abroad")
    counts = _grouping_sets(rows, ["district_code"], [], {
        "arrivals": ("district_code", "size"),
        **{c: (c, "sum") for c in counted},
        "first_missed_due_at": ("missed_due_at", "min"),
    }, zero_when_empty=("arrivals", *counted))
    red = counts["overdue"] > 0
    counts["value"] = counts["overdue"].astype("float64")
    counts["numerator"] = counts["overdue"]
    counts["denominator"] = counts["arrivals"]
    counts["threshold"] = float(p["arrival_registration_grace_hours"])
    counts["is_red"] = red.astype(bool)
    counts["red_since"] = pd.to_datetime(counts["first_missed_due_at"])
    return _ordered(counts, ["district_code", "value", "numerator", "denominator", "threshold", "is_red",
                             "red_since", "arrivals", "registered_on_time", "registered_late", "within_grace",
                             "overdue_key_area", "overdue_abroad"], ["district_code"])


# --- Risk areas: RISK-AREAS, RISK-STAFF, RISK-SUPPLY, VAC-60 ---------------------------------------

LEVELS = ("high", "medium", "low")


def risk_areas(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    as_of = _as_of(p)
    a = tables["risk_areas"]
    a = a[a["designated_at"] <= as_of]
    lifted = a["lifted_at"]
    in_force = lifted.isna() | (lifted > as_of)
    lifted_in_window = (lifted > as_of - _hours(p["timeliness_window_hours"])) & (lifted <= as_of)
    relevant = in_force | lifted_in_window
    a, in_force, lifted_in_window = a[relevant], in_force[relevant], lifted_in_window[relevant]
    days_in_force = _minutes_between(a["designated_at"], as_of) / 1440.0
    residents_in_force = a["residents"].where(in_force, 0)
    rows = {"district_code": a["district_code"], "areas": in_force.astype("int64"), "residents": residents_in_force,
            "lifted_in_window": lifted_in_window.astype("int64")}
    for level in LEVELS:
        at_level = in_force & (a["level"] == level)
        rows[f"{level}_areas"] = at_level.astype("int64")
        rows[f"{level}_residents"] = a["residents"].where(at_level, 0)
        rows[f"{level}_max_days"] = days_in_force.where(at_level)
    rows = pd.DataFrame(rows)
    summed = ("areas", "residents", *(f"{level}_areas" for level in LEVELS),
              *(f"{level}_residents" for level in LEVELS), "lifted_in_window")
    rolled = _grouping_sets(rows, ["district_code"], [], {
        **{c: (c, "sum") for c in summed},
        **{f"{level}_max_days": (f"{level}_max_days", "max") for level in LEVELS},
    })
    for column in summed:     # cast(coalesce(sum(...), 0) as bigint)
        rolled[column] = rolled[column].fillna(0).astype("int64")
    rolled["value"] = rolled["areas"].astype("float64")
    rolled["numerator"] = rolled["areas"]
    rolled["denominator"] = None
    rolled["threshold"] = np.nan
    rolled["is_red"] = False
    rolled["red_since"] = pd.NaT
    for level in LEVELS:
        rolled[f"{level}_max_days"] = rolled[f"{level}_max_days"].astype("float64")
    return _ordered(rolled, ["district_code", "value", "numerator", "denominator", "threshold", "is_red",
                             "red_since", "residents", *(f"{level}_areas" for level in LEVELS),
                             *(f"{level}_residents" for level in LEVELS),
                             *(f"{level}_max_days" for level in LEVELS), "lifted_in_window"], ["district_code"])


def risk_areas_in_force(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """fragments/risk_areas_in_force: areas designated by $as_of and not lifted by then."""
    as_of = _as_of(p)
    a = tables["risk_areas"]
    in_force = (a["designated_at"] <= as_of) & (a["lifted_at"].isna() | (a["lifted_at"] > as_of))
    return a.loc[in_force, ["risk_area_id", "district_code", "township_code", "community_code", "level",
                            "residents", "designated_at"]]


def _decimal_units(value: Any, places: int = 6) -> int:
    """A setting as cast(... as decimal(18, places)), in whole units of 10^-places (rounded half up)."""
    return int((Decimal(str(value)) * 10 ** places).to_integral_value(rounding=ROUND_HALF_UP))


def risk_support_reports(tables: Tables, p: dict[str, Any], areas: pd.DataFrame) -> pd.DataFrame:
    """fragments/risk_support_reports: reports by $as_of for `areas`, judged on both support rules."""
    r = tables["risk_area_support_reports"]
    r = r[r["reported_at"] <= _as_of(p)].merge(areas[["risk_area_id", "residents"]], on="risk_area_id", how="inner")
    # staff < share x residents, exactly: both sides in millionths, whole numbers
    share = _decimal_units(p["high_risk_staff_share"])
    r["staff_short"] = r["staff_on_duty"].astype("int64") * 10 ** 6 < share * r["residents"].astype("int64")
    r["supply_short"] = r["supply_days"] < float(p["supply_days_minimum"])
    r["recency"] = r.groupby("risk_area_id")["reported_at"].rank(method="first", ascending=False).astype("int64")
    return r[["risk_area_id", "reported_at", "staff_on_duty", "supply_days", "staff_short", "supply_short",
              "recency"]]


SUPPORT_RULES = {"RISK-STAFF": ("staff_short", "high_risk_staff_share"),
                 "RISK-SUPPLY": ("supply_short", "supply_days_minimum")}


def risk_support(tables: Tables, p: dict[str, Any], rule_id: str) -> pd.DataFrame:
    """fragments/risk_support for one of its two rules: per district and for the city, the high-risk
    areas in force judged on their latest support report."""
    breach_column, threshold_setting = SUPPORT_RULES[rule_id]
    high_areas = risk_areas_in_force(tables, p)
    high_areas = high_areas[high_areas["level"] == "high"]
    reports = risk_support_reports(tables, p, high_areas).rename(columns={breach_column: "breach"})
    history = reports.rename(columns={"risk_area_id": "scope_code", "reported_at": "changed_at", "breach": "is_red"})
    breach_since = red_since(history[["scope_code", "changed_at", "is_red"]], ["scope_code"])
    latest = reports[reports["recency"] == 1]
    judged = (high_areas[["risk_area_id", "district_code", "residents"]]
              .merge(latest[["risk_area_id", "reported_at", "staff_on_duty", "supply_days", "breach"]],
                     on="risk_area_id", how="left")
              .merge(breach_since[["scope_code", "red_since"]].rename(columns={"scope_code": "risk_area_id"}),
                     on="risk_area_id", how="left"))
    breach = _is_true(judged["breach"])
    unreported = judged["reported_at"].isna()
    rows = pd.DataFrame({
        "district_code": judged["district_code"],
        "breach": breach.astype("int64"),
        "unreported": unreported.astype("int64"),
        "staff_on_duty": judged["staff_on_duty"],
        "residents_reported": judged["residents"].where(~unreported, 0),
        "residents_short": judged["residents"].where(breach, 0),
        "supply_days": judged["supply_days"],
        "breach_from": judged["red_since"].where(breach),
        "reported_at": judged["reported_at"],
    })
    rolled = _grouping_sets(rows, ["district_code"], [], {
        "areas": ("breach", "size"),
        "breaches": ("breach", "sum"),
        "unreported": ("unreported", "sum"),
        "staff_on_duty": ("staff_on_duty", "sum_or_null"),
        "residents_reported": ("residents_reported", "sum"),
        "residents_short": ("residents_short", "sum"),
        "min_supply_days": ("supply_days", "min"),
        "red_since": ("breach_from", "min"),
        "oldest_latest_report_at": ("reported_at", "min"),
    }, zero_when_empty=("areas", "breaches", "unreported"))
    areas, breaches, unreported = rolled["areas"], rolled["breaches"], rolled["unreported"]
    known = (areas == 0) | (areas > unreported)
    out = pd.DataFrame({
        "district_code": rolled["district_code"],
        "value": breaches.astype("float64").where(known),
        "numerator": breaches.where(known),
        "denominator": areas - unreported,
        "threshold": float(p[threshold_setting]),
        "is_red": (breaches > 0).astype("object").where(known, None),
        "red_since": pd.to_datetime(rolled["red_since"]).where(breaches > 0),
        "high_areas": areas,
        "areas_unreported": unreported,
        "staff_on_duty": rolled["staff_on_duty"],
        "residents_reported": rolled["residents_reported"],
        "residents_short": rolled["residents_short"],
        "min_supply_days": rolled["min_supply_days"].astype("float64"),
        "oldest_latest_report_at": pd.to_datetime(rolled["oldest_latest_report_at"]),
    })
    return out


RISK_COMMON = ["district_code", "value", "numerator", "denominator", "threshold", "is_red", "red_since",
               "high_areas", "areas_unreported"]


def risk_staff(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    return _ordered(risk_support(tables, p, "RISK-STAFF"),
                    [*RISK_COMMON, "staff_on_duty", "residents_reported", "oldest_latest_report_at"],
                    ["district_code"])


def risk_supply(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    return _ordered(risk_support(tables, p, "RISK-SUPPLY"),
                    [*RISK_COMMON, "residents_short", "min_supply_days", "oldest_latest_report_at"],
                    ["district_code"])


def vac_60(tables: Tables, p: dict[str, Any]) -> pd.DataFrame:
    _whole_city(p)
    v = tables["vaccination_60plus"]
    v = v[pd.to_datetime(v["report_date"]) <= _as_of(p).normalize()]
    residents = v["residents_60plus"]
    share = v["vaccinated_full"].astype("float64") / residents.astype("float64")
    reported = (residents > 0).fillna(False).astype(bool)
    below = (share < float(p["elderly_vaccination_minimum"])).astype("object").where(reported, None)
    reports = pd.DataFrame({
        "district_code": v["district_code"],
        "report_date": pd.to_datetime(v["report_date"]),
        "residents_60plus": residents,
        "vaccinated_full": v["vaccinated_full"],
        "vaccinated_booster": v["vaccinated_booster"],
        "below": below,
    })
    history = pd.DataFrame({"scope_code": reports["district_code"], "changed_at": reports["report_date"],
                            "is_red": _is_true(reports["below"])})
    below_since = red_since(history, ["scope_code"])
    latest_date = reports.groupby("district_code")["report_date"].transform("max")
    latest = reports[reports["report_date"] == latest_date].merge(
        below_since[["scope_code", "red_since"]].rename(columns={"scope_code": "district_code"}),
        on="district_code", how="left")
    latest["red_since"] = pd.to_datetime(latest["red_since"]).where(_is_true(latest["below"]))
    known = latest["residents_60plus"].notna()
    rows = pd.DataFrame({
        "district_code": latest["district_code"],
        "report_date": latest["report_date"],
        "vaccinated_full": latest["vaccinated_full"].where(known),
        "residents_60plus": latest["residents_60plus"],
        "vaccinated_booster": latest["vaccinated_booster"].where(known),
        "unknown": (~known).astype("int64"),
        "red_since": latest["red_since"],
    })
    rolled = _grouping_sets(rows, ["district_code"], [], {
        "report_date": ("report_date", "max"),
        "vaccinated_full": ("vaccinated_full", "sum_or_null"),
        "residents_60plus": ("residents_60plus", "sum_or_null"),
        "vaccinated_booster": ("vaccinated_booster", "sum_or_null"),
        "districts_unknown": ("unknown", "sum"),
        "red_since": ("red_since", "min"),
    })
    denominator = _nullif_zero(rolled["residents_60plus"])
    value = rolled["vaccinated_full"].astype("float64") / denominator
    threshold = float(p["elderly_vaccination_minimum"])
    below_now = (value < threshold).astype("object").where(value.notna(), None)
    out = pd.DataFrame({
        "district_code": rolled["district_code"],
        "value": value,
        "numerator": rolled["vaccinated_full"],
        "denominator": rolled["residents_60plus"],
        "threshold": threshold,
        "is_red": below_now,
        "red_since": pd.to_datetime(rolled["red_since"]).where(_is_true(below_now)),
        "report_date": pd.to_datetime(rolled["report_date"]),
        "booster_share": rolled["vaccinated_booster"].astype("float64") / denominator,
        "vaccinated_booster": rolled["vaccinated_booster"],
        "districts_unknown": rolled["districts_unknown"],
    })
    return _ordered(out, list(out.columns), ["district_code"])


QUERIES: dict[str, Callable[[Tables, dict[str, Any]], pd.DataFrame]] = {
    "metrics/timeliness": timeliness,
    "metrics/test_round": test_round,
    "metrics/test_cadence": test_cadence,
    "metrics/test_pool": test_pool,
    "metrics/test_tat": test_tat,
    "metrics/test_occup": test_occup,
    "metrics/test_sites": test_sites,
    "metrics/scr_outcome": scr_outcome,
    "metrics/scr_arrival": scr_arrival,
    "metrics/risk_areas": risk_areas,
    "metrics/risk_staff": risk_staff,
    "metrics/risk_supply": risk_supply,
    "metrics/vac_60": vac_60,
}
