"""The staging views (queries/staging/*.sql) and fragments (queries/fragments/*.sql) in pandas,
shared by the pandas engine's queries, and the few habits of SQL they need spelled out:
grouping sets with the city row, red_since from a history of changes, exact thresholds.

Staging frames do not depend on $as_of: they are computed once per Tables and kept (a dashboard
would keep them in st.cache_data); fragments take the bound parameters `p`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

FAR_FUTURE = pd.Timestamp("9999-12-31 00:00:00")
CITY = ""     # the city row's scope inside a computation (SQL's null scope_code); None in results


class Tables(dict):
    """The loaded tables by name, and a cache of the staging frames computed from them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cache: dict[str, pd.DataFrame] = {}
        self.lock = threading.RLock()   # a staging frame computes another inside the lock


def cached(tables: dict, key: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """compute() once per Tables (red_list runs metrics in threads: the lock keeps it once)."""
    if not isinstance(tables, Tables):
        return compute()
    with tables.lock:
        if key not in tables.cache:
            tables.cache[key] = compute()
        return tables.cache[key]


def whole_city_only(p: dict) -> None:
    if p.get("district_code") is not None or p.get("township_code") is not None:
        raise NotImplementedError("the pandas engine computes the whole city only (no place filter)")


def exact(value: Any) -> Fraction:
    """A bound number as an exact fraction: thresholds bind as Decimal, and 0.7 x 90 is 63."""
    if isinstance(value, (Decimal, int)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    raise TypeError(f"expected a number, got {value!r}")


def ceil_times(fraction: Fraction, counts: pd.Series) -> pd.Series:
    """ceil(fraction x count) for integer counts, exactly (SQL's ceil of a decimal product)."""
    num, den = fraction.numerator, fraction.denominator
    return -((-num * counts.astype("int64")) // den)


def hours(value: Any) -> pd.Timedelta:
    return pd.Timedelta(seconds=float(value) * 3600)


def minutes_between(start: pd.Series | pd.Timestamp, end: pd.Series | pd.Timestamp):
    """DuckDB's date_diff('minute', start, end): minute boundaries crossed (10:00:50 to 10:01:10 is 1)."""
    def floor(x):
        return x.dt.floor("min") if isinstance(x, pd.Series) else pd.Timestamp(x).floor("min")
    return (floor(end) - floor(start)) / pd.Timedelta(minutes=1)


# --- grouping sets ((district_code), ()) --------------------------------------------------------

def grouping_sets(frame: pd.DataFrame, sql_sums: tuple[str, ...] = (), **aggregations) -> pd.DataFrame:
    """One row per district of `frame` and the city row (district_code None, first; present even
    when `frame` is empty: counts 0, min/max null), like `group by grouping sets ((district_code), ())
    ... order by district_code nulls first`. aggregations are pandas named aggregations; the
    output columns named in sql_sums are SQL sums, null (not pandas' 0) over no rows."""
    per_district = frame.groupby("district_code", sort=True).agg(**aggregations)
    everything = pd.Categorical(np.zeros(len(frame), dtype="int64"), categories=[0])
    city = frame.groupby(everything, observed=False).agg(**aggregations)
    if frame.empty:
        for column in sql_sums:
            city[column] = np.nan
    per_district.index = per_district.index.astype(object)
    city.index = pd.Index([None], dtype=object)
    out = pd.concat([city, per_district]) if len(per_district) else city
    out.index.name = "district_code"
    return out.reset_index()


def scope_of(district_codes: pd.Series) -> pd.Series:
    return district_codes.astype(object).where(district_codes.notna(), CITY)


# --- red_since: fragments changes_where_red, red_while_above_zero, red_since -----------------------

def changes_where_red(changes: pd.DataFrame, red_scopes: set) -> pd.DataFrame:
    """Each change under every scope red now that it counts toward: its district, and the city
    (CITY) when the city is red. Adds `scope`."""
    parts = [changes[changes["district_code"].isin(red_scopes - {CITY})].assign(
        scope=lambda f: f["district_code"].astype(object))]
    if CITY in red_scopes:
        parts.append(changes.assign(scope=CITY))
    return pd.concat(parts, ignore_index=True)


def running_sums(scoped: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per scope and moment, the sums of `columns` over the scope's changes up to and including
    that moment (a range frame: all changes of one moment together). Columns scope, changed_at,
    *columns."""
    if scoped.empty:
        return pd.DataFrame(columns=["scope", "changed_at", *columns])
    per_moment = scoped.groupby(["scope", "changed_at"], sort=True)[columns].sum()
    return per_moment.groupby(level="scope").cumsum().reset_index()


def red_since(history: pd.DataFrame) -> pd.DataFrame:
    """fragments/red_since: per scope of history (scope, changed_at, is_red), last_green_at (the
    last change after which it was not red) and red_since (the first change after it, or the
    first on record when red throughout). Indexed by scope."""
    if history.empty:
        return pd.DataFrame({"last_green_at": pd.Series(dtype="datetime64[us]"),
                             "red_since": pd.Series(dtype="datetime64[us]")},
                            index=pd.Index([], name="scope", dtype=object))
    green = history[history["is_red"].eq(False).fillna(False).astype(bool)]
    last_green = green.groupby("scope")["changed_at"].max().rename("last_green_at")
    joined = history.join(last_green, on="scope")
    after = joined[joined["last_green_at"].isna() | (joined["changed_at"] > joined["last_green_at"])]
    out = after.groupby("scope").agg(last_green_at=("last_green_at", "first"), red_since=("changed_at", "min"))
    return out


def red_since_while_above_zero(changes: pd.DataFrame, red_scopes: set, delta: str = "delta") -> pd.DataFrame:
    """fragments/red_while_above_zero then red_since: red while the running count is above zero."""
    sums = running_sums(changes_where_red(changes, red_scopes), [delta])
    history = pd.DataFrame({"scope": sums["scope"], "changed_at": sums["changed_at"],
                            "is_red": sums[delta] > 0})
    return red_since(history)


def red_since_column(result: pd.DataFrame, since: pd.DataFrame, red: pd.Series,
                     column: str = "red_since") -> pd.Series:
    """The red_since of each result row's scope where `red`, else null."""
    values = scope_of(result["district_code"]).map(since[column]) if len(since) else \
        pd.Series(pd.NaT, index=result.index)
    values = pd.to_datetime(values)
    return values.where(red.fillna(False).astype(bool))


def rising_changes(events: pd.DataFrame, window: pd.Timedelta, as_of: pd.Timestamp) -> pd.DataFrame:
    """fragments/rising_changes: events (district_code, happened_at) as steps of
    count in (t - w, t] - count in (t - 2w, t - w], up to as_of."""
    e = events[["district_code", "happened_at"]]
    once = e["happened_at"] + window
    twice = once + window
    return pd.concat([
        pd.DataFrame({"district_code": e["district_code"], "changed_at": e["happened_at"], "delta": 1}),
        pd.DataFrame({"district_code": e["district_code"], "changed_at": once, "delta": -2})[once <= as_of],
        pd.DataFrame({"district_code": e["district_code"], "changed_at": twice, "delta": 1})[twice <= as_of],
    ], ignore_index=True)


# --- isolation: stg_rooms, stg_iso_room_changes, open_stays --------------------------------------

def stg_rooms(t: dict) -> pd.DataFrame:
    """staging/stg_rooms: every room with its facility's place and dates."""
    def compute():
        facilities = t["facilities"][["facility_id", "district_code", "township_code", "assessed_at", "closed_at"]]
        out = t["rooms"][["room_id", "facility_id"]].merge(facilities, on="facility_id")
        return out.rename(columns={"assessed_at": "commissioned_at"})
    return cached(t, "stg_rooms", compute)


def stg_iso_room_changes(t: dict) -> pd.DataFrame:
    """staging/stg_iso_room_changes: ISO-USE's two counts as +1/-1 changes per room (rooms_delta:
    commissioned/closed; occupied_delta: a counted room taken/freed, a second person not counted)."""
    def compute():
        rooms = stg_rooms(t)
        counted = rooms[rooms["commissioned_at"].notna()
                        & (rooms["closed_at"].isna() | (rooms["closed_at"] > rooms["commissioned_at"]))]
        counted = pd.DataFrame({
            "room_id": counted["room_id"], "district_code": counted["district_code"],
            "township_code": counted["township_code"], "counted_from": counted["commissioned_at"],
            "counted_until": counted["closed_at"].fillna(FAR_FUTURE)})
        stays = t["room_stays"][["stay_id", "room_id", "check_in_at", "check_out_at"]].merge(
            counted, on="room_id")
        stays = stays.assign(
            counted_from=np.maximum(stays["check_in_at"], stays["counted_from"]),
            counted_until=np.minimum(stays["check_out_at"].fillna(FAR_FUTURE), stays["counted_until"]))
        stays = stays[stays["counted_from"] < stays["counted_until"]]
        # A stay is an extra person while a stay of its room that came earlier (earlier check-in,
        # or the same and a smaller stay_id) is still counted: until the latest of those ends.
        stays = stays.sort_values(["room_id", "check_in_at", "stay_id"], kind="stable")
        latest_until = stays.groupby("room_id", sort=False)["counted_until"].cummax()
        earlier_until = latest_until.groupby(stays["room_id"], sort=False).shift()
        extra = stays[earlier_until > stays["counted_from"]]
        extra_until = np.minimum(extra["counted_until"], earlier_until[extra.index])
        place = ["room_id", "district_code", "township_code"]

        def events(frame, at, rooms_delta, occupied_delta):
            return pd.DataFrame({**{c: frame[c] for c in place}, "changed_at": at,
                                 "rooms_delta": rooms_delta, "occupied_delta": occupied_delta})
        changes = pd.concat([
            events(counted, counted["counted_from"], 1, 0),
            events(counted, counted["counted_until"], -1, 0),
            events(stays, stays["counted_from"], 0, 1),
            events(stays, stays["counted_until"], 0, -1),
            events(extra, extra["counted_from"], 0, -1),
            events(extra, extra_until, 0, 1),
        ], ignore_index=True)
        return changes[changes["changed_at"] < FAR_FUTURE].reset_index(drop=True)
    return cached(t, "stg_iso_room_changes", compute)


def room_changes(t: dict, p: dict) -> pd.DataFrame:
    """fragments/room_changes: stg_iso_room_changes up to and including as_of."""
    changes = stg_iso_room_changes(t)
    return changes[changes["changed_at"] <= p["as_of"]]


def open_stays(t: dict, p: dict) -> pd.DataFrame:
    """fragments/open_stays: stays checked in at or before as_of and not checked out, with their
    room's facility place and dates."""
    as_of = p["as_of"]
    stays = t["room_stays"]
    now = stays[(stays["check_in_at"] <= as_of) & (stays["check_out_at"].isna() | (stays["check_out_at"] > as_of))]
    return now[["room_id", "stay_id", "person_kind", "check_in_at"]].merge(stg_rooms(t), on="room_id")


def open_facility_districts(t: dict, p: dict) -> pd.Series:
    """fragments/open_facility_districts: districts with a facility not closed at as_of."""
    rooms = stg_rooms(t)
    open_rooms = rooms[rooms["closed_at"].isna() | (rooms["closed_at"] > p["as_of"])]
    return pd.Series(open_rooms["district_code"].dropna().unique(), name="district_code")


# --- cases: stg_case_class_periods, class_at_as_of, positives ------------------------------------

def stg_case_class_periods(t: dict) -> pd.DataFrame:
    """staging/stg_case_class_periods: each case's classification periods [valid_from, valid_until)."""
    def compute():
        history = t["case_classifications"][["case_id", "classification", "classified_at"]].rename(
            columns={"classified_at": "valid_from"})
        cases = t["cases"]
        without = cases[~cases["case_id"].isin(history["case_id"])]
        history = pd.concat([history, pd.DataFrame({
            "case_id": without["case_id"], "classification": without["classification"],
            "valid_from": without["confirmed_at"].fillna(without["sampled_at"])})], ignore_index=True)
        history = history.sort_values(["case_id", "valid_from"], kind="stable").reset_index(drop=True)
        history["valid_until"] = history.groupby("case_id")["valid_from"].shift(-1)
        return history
    return cached(t, "stg_case_class_periods", compute)


def class_at_as_of(t: dict, p: dict) -> pd.DataFrame:
    """fragments/class_at_as_of: case_id, classification in force at as_of."""
    periods = stg_case_class_periods(t)
    as_of = p["as_of"]
    now = periods[(periods["valid_from"] <= as_of) & (periods["valid_until"].isna() | (periods["valid_until"] > as_of))]
    return now[["case_id", "classification"]]


def positives(t: dict, p: dict) -> pd.DataFrame:
    """fragments/positives: cases confirmed by as_of, confirmed or asymptomatic by the class in
    force at as_of; classification is that class; is_new confirmed in the 24 h to as_of."""
    as_of = p["as_of"]
    cases = t["cases"].drop(columns=["classification"])
    cases = cases[cases["confirmed_at"] <= as_of]
    classes = class_at_as_of(t, p)
    classes = classes[classes["classification"].isin(["confirmed", "asymptomatic"])]
    out = cases.merge(classes, on="case_id")
    out["is_new"] = out["confirmed_at"] > as_of - pd.Timedelta(hours=24)
    return out


# --- timeliness: stg_timeliness_clocks, clock_items ----------------------------------------------

def _clocks(rule_id, items, district, township, started, done) -> pd.DataFrame:
    return pd.DataFrame({"rule_id": rule_id, "item_id": items.astype("int64").astype(str),
                         "district_code": district, "township_code": township,
                         "started_at": started, "done_at": done})


def stg_timeliness_clocks(t: dict) -> pd.DataFrame:
    """staging/stg_timeliness_clocks: every clock of the nine timeliness rules, one row per item
    and rule: rule_id, item_id, district_code, township_code, started_at, done_at."""
    def compute():
        parts = []
        c = t["contacts"]
        c = c[(c["contact_type"] == "close") & (c["isolation_mode"] == "centralized")]
        parts.append(_clocks("CON-TRANSFER", c["contact_id"], c["district_code"], c["township_code"],
                             c["identified_at"], c["transferred_at"]))
        cases = t["cases"]
        i = t["investigations"].merge(cases[["case_id", "township_code"]], on="case_id", how="left")
        for rule_id, done in (("EPI-ARRIVE", "team_on_site_at"), ("EPI-CORE", "core_info_done_at"),
                              ("EPI-FULL", "full_trace_done_at")):
            parts.append(_clocks(rule_id, i["case_id"], i["district_code"], i["township_code"],
                                 i["positive_confirmed_at"], i[done]))
        a = t["assist_letters"].merge(cases[["case_id", "district_code", "township_code"]].rename(
            columns={"district_code": "case_district_code"}), on="case_id", how="left")
        parts.append(_clocks("EPI-ASSIST", a["letter_id"], a["from_district_code"],
                             a["township_code"].where(a["case_district_code"] == a["from_district_code"]),
                             a["identified_at"], a["sent_at"]))
        r = cases[cases["prelim_positive_at"].notna()]
        parts.append(_clocks("EPI-REPORT", r["case_id"], r["district_code"], r["township_code"],
                             r["prelim_positive_at"], r["reported_at"]))
        u = cases[cases["classification"].isin(["confirmed", "asymptomatic"]) & cases["confirmed_at"].notna()]
        parts.append(_clocks("EPI-PUBLISH", u["case_id"], u["district_code"], u["township_code"],
                             u["confirmed_at"], u["published_at"]))
        s = t["screening_tasks"]
        s = s[s["list_type"].isin(["spacetime_companion", "same_vehicle", "key_area_stay", "roaming"])]
        parts.append(_clocks(np.where(s["list_type"] == "roaming", "SCR-24H", "SCR-8H"), s["task_id"],
                             s["district_code"], s["township_code"], s["pushed_at"], s["checked_at"]))
        return pd.concat(parts, ignore_index=True)
    return cached(t, "stg_timeliness_clocks", compute)


def clock_items(t: dict, p: dict) -> pd.DataFrame:
    """fragments/clock_items (and clock_status): the items of rule p['rule_id'] started by as_of,
    with deadline, done_at (as known at as_of), status and in_window."""
    as_of = p["as_of"]
    clocks = stg_timeliness_clocks(t)
    items = clocks[(clocks["rule_id"] == p["rule_id"]) & (clocks["started_at"] <= as_of)]
    items = items.drop(columns=["rule_id"]).assign(
        deadline=lambda f: f["started_at"] + hours(p["limit_hours"]),
        done_at=lambda f: f["done_at"].where(f["done_at"] <= as_of))
    done = items["done_at"].notna()
    items["status"] = np.select(
        [done & (items["done_at"] <= items["deadline"]), done, items["deadline"] < as_of],
        ["on_time", "done_late", "open_overdue"], "pending")
    items["in_window"] = items["deadline"] > as_of - hours(p["timeliness_window_hours"])
    return items
