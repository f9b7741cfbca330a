"""The isolation (ISO-*), contacts (CON-*) and cases (CASE-*) rules in pandas, and
reference/district_names: each function follows its queries/NAME.sql step by step and returns
its columns, rows and order. Read the SQL file for the rule; comments here say only where pandas
needs care that SQL does not (exact thresholds, nulls, the city row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.pandas_engine.staging import (
    CITY, ceil_times, changes_where_red, class_at_as_of, clock_items, exact, grouping_sets, hours,
    minutes_between, open_facility_districts, open_stays, positives, red_since, red_since_column,
    red_since_while_above_zero, rising_changes, room_changes, running_sums, scope_of,
    stg_case_class_periods, stg_iso_room_changes, stg_rooms, whole_city_only)

DAY = pd.Timedelta(hours=24)


def _nullable(values: pd.Series, known: pd.Series) -> pd.Series:
    """A truth value that is null where `known` is false (SQL's comparison with a null)."""
    return values.astype("boolean").where(known.astype(bool), pd.NA)


def _null(n: int, dtype: str = "float64") -> np.ndarray:
    return np.full(n, np.nan) if dtype == "float64" else np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")


# --- isolation ------------------------------------------------------------------------------------

def iso_use(t, p):
    whole_city_only(p)
    trigger = exact(p["room_usage_trigger"])
    changes = room_changes(t, p)
    usage = grouping_sets(changes, sql_sums=("rooms", "rooms_occupied"),
                          rooms=("rooms_delta", "sum"), rooms_occupied=("occupied_delta", "sum"))
    usage = usage[(usage["rooms"] > 0) | usage["district_code"].isna()].reset_index(drop=True)
    # No change at all (before any data): the city's sums are null, and so is its verdict.
    red = _nullable(usage["rooms_occupied"] * trigger.denominator >= trigger.numerator * usage["rooms"],
                    usage["rooms"].notna())
    sums = running_sums(changes_where_red(changes, set(scope_of(usage["district_code"][red.fillna(False)]))),
                        ["rooms_delta", "occupied_delta"])
    since = red_since(pd.DataFrame({
        "scope": sums["scope"], "changed_at": sums["changed_at"],
        "is_red": sums["occupied_delta"] * trigger.denominator >= trigger.numerator * sums["rooms_delta"]}))
    return pd.DataFrame({
        "district_code": usage["district_code"],
        "value": usage["rooms_occupied"].astype("float64") / usage["rooms"],
        "numerator": usage["rooms_occupied"],
        "denominator": usage["rooms"],
        "threshold": float(p["room_usage_trigger"]),
        "is_red": red,
        "red_since": red_since_column(usage, since, red),
        "rooms_occupied": usage["rooms_occupied"],
        "rooms": usage["rooms"],
    })


def iso_reserve(t, p):
    whole_city_only(p)
    as_of, standard = p["as_of"], exact(p["rooms_per_10k_standard"])
    places = t["districts"][["district_code", "population_2020"]].rename(columns={"population_2020": "population"})
    rooms = stg_rooms(t)
    selected = rooms[rooms["commissioned_at"] <= as_of]
    per_district = (selected.assign(open=selected["closed_at"].isna() | (selected["closed_at"] > as_of))
                    .groupby("district_code")["open"].sum().rename("rooms").reset_index())
    per_district = places.merge(per_district, on="district_code", how="outer")
    per_district["rooms"] = per_district["rooms"].fillna(0).astype("int64")
    now = grouping_sets(per_district, sql_sums=("population",), rooms=("rooms", "sum"),
                        population=("population", "sum"), known=("population", "count"),
                        places=("district_code", "size"))
    # The city row's population only when every district's is known (a partial sum would overstate).
    now["population"] = now["population"].where(now["known"] == now["places"])
    known = now["population"].notna()
    population = now["population"].fillna(0).astype("int64")
    below = now["rooms"] * 10000 * standard.denominator < standard.numerator * population
    red = _nullable(below, known)

    commissioned = selected[selected["closed_at"].isna() | (selected["closed_at"] > selected["commissioned_at"])]
    closed = selected[(selected["closed_at"] > selected["commissioned_at"]) & (selected["closed_at"] <= as_of)]
    changes = pd.concat([
        pd.DataFrame({"district_code": commissioned["district_code"], "changed_at": commissioned["commissioned_at"],
                      "rooms_delta": 1}),
        pd.DataFrame({"district_code": closed["district_code"], "changed_at": closed["closed_at"], "rooms_delta": -1}),
    ], ignore_index=True)
    red_scopes = scope_of(now["district_code"][red.fillna(False).astype(bool)])
    sums = running_sums(changes_where_red(changes, set(red_scopes)), ["rooms_delta"])
    scope_population = pd.Series(population.to_numpy(), index=scope_of(now["district_code"]).to_numpy())
    since = red_since(pd.DataFrame({
        "scope": sums["scope"], "changed_at": sums["changed_at"],
        "is_red": sums["rooms_delta"] * 10000 * standard.denominator
        < standard.numerator * sums["scope"].map(scope_population)}))
    # Red throughout its records: the breach began before the first room, its start unknown.
    since = since[since["last_green_at"].notna()]
    shortfall = np.maximum(ceil_times(standard / 10000, population) - now["rooms"], 0)
    return pd.DataFrame({
        "district_code": now["district_code"],
        "value": (now["rooms"] * 10000).astype("float64") / now["population"],
        "numerator": now["rooms"] * 10000,
        "denominator": now["population"],
        "threshold": float(p["rooms_per_10k_standard"]),
        "is_red": red,
        "red_since": red_since_column(now, since, red),
        "rooms": now["rooms"],
        "population": now["population"],
        "shortfall_rooms": shortfall.astype("float64").where(known),
    })


def _breach_rows(t, p, in_breach: pd.DataFrame, **aggregations) -> pd.DataFrame:
    """Rooms in breach now plus one empty row per district with an open facility (counted 0)."""
    empty = pd.DataFrame({"district_code": open_facility_districts(t, p)})
    counted = pd.concat([in_breach, empty], ignore_index=True)
    counted["people_in_room"] = counted["people_in_room"].fillna(0)
    return grouping_sets(counted, **aggregations)


def iso_commission(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    stays = open_stays(t, p)
    stays = stays[stays["commissioned_at"].isna() | (stays["commissioned_at"] > as_of)]
    in_breach = (stays.groupby("room_id", sort=False)
                 .agg(district_code=("district_code", "first"), facility_id=("facility_id", "first"),
                      people_in_room=("stay_id", "size")).reset_index())
    counts = _breach_rows(t, p, in_breach, rooms_in_use=("room_id", "count"),
                          facilities=("facility_id", "nunique"), people=("people_in_room", "sum"))
    red = counts["rooms_in_use"] > 0
    since = None
    if red.any():
        all_stays = t["room_stays"][["room_id", "check_in_at", "check_out_at"]]
        history = all_stays[all_stays["check_in_at"] <= as_of].merge(stg_rooms(t), on="room_id")
        history = history[history["commissioned_at"].isna() | (history["check_in_at"] < history["commissioned_at"])]
        until = np.minimum(history["check_out_at"].fillna(pd.Timestamp("9999-12-31")),
                           history["commissioned_at"].fillna(pd.Timestamp("9999-12-31")))
        changes = pd.concat([
            pd.DataFrame({"district_code": history["district_code"], "changed_at": history["check_in_at"],
                          "stays_delta": 1}),
            pd.DataFrame({"district_code": history["district_code"], "changed_at": until,
                          "stays_delta": -1})[until <= as_of],
        ], ignore_index=True)
        since = red_since_while_above_zero(changes, set(scope_of(counts["district_code"][red])), "stays_delta")
    return pd.DataFrame({
        "district_code": counts["district_code"],
        "value": counts["rooms_in_use"].astype("float64"),
        "numerator": counts["rooms_in_use"],
        "denominator": _null(len(counts)),
        "threshold": _null(len(counts)),
        "is_red": red,
        "red_since": red_since_column(counts, since, red) if since is not None else _null(len(counts), "ts"),
        "rooms_in_use": counts["rooms_in_use"],
        "facilities": counts["facilities"],
        "people": counts["people"],
    })


def iso_single(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    stays = open_stays(t, p)
    per_room = stays.groupby("room_id", sort=False).agg(district_code=("district_code", "first"),
                                                          people_in_room=("stay_id", "size")).reset_index()
    shared = per_room[per_room["people_in_room"] >= 2]
    counts = _breach_rows(t, p, shared, rooms_shared=("room_id", "count"), people=("people_in_room", "sum"))
    red = counts["rooms_shared"] > 0
    since = None
    if red.any():
        all_stays = t["room_stays"][["stay_id", "room_id", "check_in_at", "check_out_at"]]
        history = all_stays[all_stays["check_in_at"] <= as_of].merge(
            stg_rooms(t)[["room_id", "district_code"]], on="room_id")
        history = history.assign(check_out_at=history["check_out_at"].fillna(pd.Timestamp("9999-12-31")))
        # Only rooms with two stays or more can hold a pair.
        history = history[history.duplicated("room_id", keep=False)]
        pairs = history.merge(history[["room_id", "stay_id", "check_in_at", "check_out_at"]],
                              on="room_id", suffixes=("", "_b"))
        pairs = pairs[pairs["stay_id_b"] > pairs["stay_id"]]
        shared_from = np.maximum(pairs["check_in_at"], pairs["check_in_at_b"])
        shared_until = np.minimum(pairs["check_out_at"], pairs["check_out_at_b"])
        overlap = shared_from < shared_until
        pairs, shared_from, shared_until = pairs[overlap], shared_from[overlap], shared_until[overlap]
        changes = pd.concat([
            pd.DataFrame({"district_code": pairs["district_code"], "changed_at": shared_from, "pairs_delta": 1}),
            pd.DataFrame({"district_code": pairs["district_code"], "changed_at": shared_until,
                          "pairs_delta": -1})[shared_until <= as_of],
        ], ignore_index=True)
        since = red_since_while_above_zero(changes, set(scope_of(counts["district_code"][red])), "pairs_delta")
    return pd.DataFrame({
        "district_code": counts["district_code"],
        "value": counts["rooms_shared"].astype("float64"),
        "numerator": counts["rooms_shared"],
        "denominator": _null(len(counts)),
        "threshold": _null(len(counts)),
        "is_red": red,
        "red_since": red_since_column(counts, since, red) if since is not None else _null(len(counts), "ts"),
        "rooms_shared": counts["rooms_shared"],
        "people": counts["people"],
    })


def iso_dispatch(t, p):
    whole_city_only(p)
    trigger = exact(p["room_usage_trigger"])
    changes = stg_iso_room_changes(t)
    changes = changes[changes["changed_at"] <= p["as_of"]]
    usage = (changes.groupby("district_code", sort=True)
             .agg(rooms=("rooms_delta", "sum"), rooms_occupied=("occupied_delta", "sum")).reset_index())
    usage = usage[usage["rooms"] > 0].copy()
    usage["trigger_rooms"] = ceil_times(trigger, usage["rooms"])
    needy = usage[usage["rooms_occupied"] * trigger.denominator >= trigger.numerator * usage["rooms"]]
    needy = pd.DataFrame({"needy_district_code": needy["district_code"],
                          "need_rooms": needy["rooms_occupied"] - needy["trigger_rooms"] + 1})
    spare = usage["trigger_rooms"] - 1 - usage["rooms_occupied"]
    lenders = pd.DataFrame({"lender_district_code": usage["district_code"][spare > 0], "spare_rooms": spare[spare > 0]})
    ties = t["commuting_ties"][["from_district_code", "to_district_code", "distance_km"]].rename(
        columns={"from_district_code": "needy_district_code", "to_district_code": "lender_district_code"})
    ranked = needy.merge(lenders, how="cross")
    ranked = ranked[ranked["lender_district_code"] != ranked["needy_district_code"]]
    ranked = ranked.merge(ties, on=["needy_district_code", "lender_district_code"], how="left")
    ranked = ranked.sort_values(["needy_district_code", "distance_km", "lender_district_code"],
                                na_position="last", kind="stable")
    by_needy = ranked.groupby("needy_district_code", sort=False)
    ranked["lender_rank"] = by_needy.cumcount() + 1
    ranked["cumulative_spare_rooms"] = by_needy["spare_rooms"].cumsum()
    plan = ranked[ranked["cumulative_spare_rooms"] - ranked["spare_rooms"] < ranked["need_rooms"]].copy()
    plan["covers_need"] = plan["cumulative_spare_rooms"] >= plan["need_rooms"]
    out = needy.merge(plan.drop(columns=["need_rooms"]), on="needy_district_code", how="left")
    out["need_covered"] = out.groupby("needy_district_code")["covers_need"].transform(
        lambda s: s.fillna(False).astype(bool).any())
    out = out.sort_values(["needy_district_code", "lender_rank"], na_position="last", kind="stable")
    return out[["needy_district_code", "need_rooms", "lender_district_code", "lender_rank", "distance_km",
                "spare_rooms", "cumulative_spare_rooms", "covers_need", "need_covered"]].reset_index(drop=True)


def iso_runway(t, p):
    whole_city_only(p)
    as_of, trigger = p["as_of"], exact(p["room_usage_trigger"])
    window_hours, alert_days = exact(p["runway_window_hours"]), exact(p["runway_alert_days"])
    window = hours(p["runway_window_hours"])
    changes = room_changes(t, p)
    changes = changes.assign(
        occupied_before=changes["occupied_delta"].where(changes["changed_at"] <= as_of - window, 0))
    w = grouping_sets(changes, rooms=("rooms_delta", "sum"), rooms_occupied=("occupied_delta", "sum"),
                      rooms_occupied_before=("occupied_before", "sum"))
    w = w[(w["rooms"] > 0) | w["district_code"].isna()].reset_index(drop=True)
    w["net_change"] = w["rooms_occupied"] - w["rooms_occupied_before"]
    w["trigger_rooms"] = ceil_times(trigger, w["rooms"])
    w["rooms_to_trigger"] = np.maximum(w["trigger_rooms"] - w["rooms_occupied"], 0)
    w["net_rooms_per_day"] = w["net_change"] * 24.0 / float(p["runway_window_hours"])

    def runway_red(rooms, to_trigger, net):
        # to_trigger x window <= alert days x 24 x net, in integers (window and days exact fractions)
        lhs = to_trigger * (window_hours.numerator * alert_days.denominator)
        rhs = alert_days.numerator * 24 * net * window_hours.denominator
        return (rooms > 0) & (to_trigger > 0) & (net > 0) & (lhs <= rhs)

    red = _nullable(runway_red(w["rooms"], w["rooms_to_trigger"], w["net_change"]), w["rooms"] > 0)
    since = red_since(_runway_history(changes, set(scope_of(w["district_code"][red.fillna(False).astype(bool)])),
                                      as_of, window, trigger, runway_red))
    rooms_zero, has_net = w["rooms"] == 0, w["net_change"] > 0
    value = np.where(rooms_zero, np.nan, np.where(w["rooms_to_trigger"] == 0, 0.0,
                     np.where(has_net, w["rooms_to_trigger"] / w["net_rooms_per_day"], np.nan)))
    full = np.where(rooms_zero, np.nan, np.where(w["rooms_occupied"] >= w["rooms"], 0.0,
                    np.where(has_net, (w["rooms"] - w["rooms_occupied"]) / w["net_rooms_per_day"], np.nan)))
    return pd.DataFrame({
        "district_code": w["district_code"],
        "value": value,
        "numerator": w["rooms_to_trigger"],
        "denominator": w["net_rooms_per_day"],
        "threshold": float(p["runway_alert_days"]),
        "is_red": red,
        "red_since": red_since_column(w, since, red),
        "days_to_full": full,
        "net_rooms_per_day": w["net_rooms_per_day"],
        "rooms_occupied": w["rooms_occupied"],
        "rooms_occupied_before": w["rooms_occupied_before"],
        "rooms": w["rooms"],
        "trigger_rooms": w["trigger_rooms"],
    })


def _runway_history(changes, red_scopes, as_of, window, trigger, runway_red) -> pd.DataFrame:
    """The runway at each moment it can change colour, per red scope: each change c (counts at c,
    net = occupied at c - occupied at c - window), and c + window when that is by as_of."""
    sums = running_sums(changes_where_red(changes, red_scopes), ["rooms_delta", "occupied_delta"])
    parts = []
    for scope, s in sums.groupby("scope", sort=False):
        moments = s["changed_at"].to_numpy()
        rooms, occupied = s["rooms_delta"].to_numpy(), s["occupied_delta"].to_numpy()

        def at(points):
            # The counts after every change at or before each point (0 before the first).
            i = np.searchsorted(moments, points.to_numpy(), side="right") - 1
            return (np.where(i >= 0, rooms[np.maximum(i, 0)], 0), np.where(i >= 0, occupied[np.maximum(i, 0)], 0))
        _, occupied_before = at(s["changed_at"] - window)
        leaves = (s["changed_at"] + window <= as_of).to_numpy()
        after = (s["changed_at"] + window)[leaves]
        rooms_after, occupied_after = at(after)
        occupied_at_anchor = occupied[leaves]
        parts.append(pd.DataFrame({"scope": scope, "changed_at": s["changed_at"].to_numpy(), "rooms": rooms,
                                   "occupied": occupied, "net": occupied - occupied_before}))
        parts.append(pd.DataFrame({"scope": scope, "changed_at": after.to_numpy(), "rooms": rooms_after,
                                   "occupied": occupied_after, "net": occupied_after - occupied_at_anchor}))
    if not parts:
        return pd.DataFrame(columns=["scope", "changed_at", "is_red"])
    history = pd.concat(parts, ignore_index=True)
    to_trigger = ceil_times(trigger, history["rooms"]) - history["occupied"]
    history["is_red"] = runway_red(history["rooms"], to_trigger, history["net"])
    return history[["scope", "changed_at", "is_red"]]


# --- contacts -------------------------------------------------------------------------------------

def timeliness(t, p):
    """metrics/timeliness for any clock rule (CON-TRANSFER here; the EPI-/SCR- rules use it too,
    and where part_b.py is present its own metrics/timeliness stands: see __init__)."""
    whole_city_only(p)
    items = clock_items(t, p)
    status, in_window = items["status"], items["in_window"]
    items = items.assign(
        on_time=in_window & (status == "on_time"),
        late=in_window & status.isin(["done_late", "open_overdue"]),
        done_late=in_window & (status == "done_late"),
        pending=in_window & (status == "pending"),
        open_overdue=status == "open_overdue",
        missed_deadline=items["deadline"].where((in_window & (status == "done_late")) | (status == "open_overdue")),
        clock_minutes=minutes_between(items["started_at"], items["done_at"]).where(
            in_window & items["done_at"].notna()),
    )
    items = items[in_window | (status == "open_overdue")]
    c = grouping_sets(items, on_time=("on_time", "sum"), late=("late", "sum"), done_late=("done_late", "sum"),
                      pending=("pending", "sum"), open_overdue=("open_overdue", "sum"),
                      first_missed_deadline=("missed_deadline", "min"), median_minutes=("clock_minutes", "median"))
    judged = c["on_time"] + c["late"]
    red = (c["late"] + c["open_overdue"]) > 0
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": (c["on_time"] / judged.where(judged > 0)).astype("float64"),
        "numerator": c["on_time"],
        "denominator": judged,
        "threshold": float(p["limit_hours"]),
        "is_red": red,
        "red_since": pd.to_datetime(c["first_missed_deadline"]).where(red),
        "on_time": c["on_time"],
        "late": c["late"],
        "done_late": c["done_late"],
        "pending": c["pending"],
        "open_overdue": c["open_overdue"],
        "median_minutes": c["median_minutes"].astype("float64"),
    })


def con_mode(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    day_before = as_of - DAY
    contacts = t["contacts"]
    start, end = contacts["quarantine_start_at"], contacts["quarantine_end_at"]
    q = contacts[(start <= as_of) & (end.isna() | (end > day_before))]
    centralized_from = _centralized_from(q)
    in_quarantine = q["quarantine_end_at"].isna() | (q["quarantine_end_at"] > as_of)
    started_before = q["quarantine_start_at"] <= day_before
    moments = pd.DataFrame({
        "district_code": q["district_code"],
        "in_quarantine": in_quarantine,
        "centralized": in_quarantine & (centralized_from <= as_of),
        "in_quarantine_24h_ago": started_before,
        "centralized_24h_ago": started_before & (centralized_from <= day_before),
    })
    s = grouping_sets(moments, **{c: (c, "sum") for c in moments.columns if c != "district_code"})
    share_now = (s["centralized"] / s["in_quarantine"].where(s["in_quarantine"] > 0)).astype("float64")
    share_before = (s["centralized_24h_ago"] / s["in_quarantine_24h_ago"].where(s["in_quarantine_24h_ago"] > 0)
                    ).astype("float64")
    red = _nullable(share_now < share_before, share_now.notna() & share_before.notna())
    red_scopes = set(scope_of(s["district_code"][red.fillna(False).astype(bool)]))
    since = red_since(_con_mode_history(contacts, as_of, red_scopes)) if red_scopes else None
    return pd.DataFrame({
        "district_code": s["district_code"],
        "value": share_now,
        "numerator": s["centralized"],
        "denominator": s["in_quarantine"],
        "threshold": _null(len(s)),
        "is_red": red,
        "red_since": red_since_column(s, since, red) if since is not None else _null(len(s), "ts"),
        "value_24h_ago": share_before,
        "in_quarantine": s["in_quarantine"],
        "centralized": s["centralized"],
        "home": s["in_quarantine"] - s["centralized"],
        "in_quarantine_24h_ago": s["in_quarantine_24h_ago"],
        "centralized_24h_ago": s["centralized_24h_ago"],
    })


def _centralized_from(contacts: pd.DataFrame) -> pd.Series:
    moved = (contacts["isolation_mode"] == "centralized") & contacts["transferred_at"].notna()
    return np.maximum(contacts["quarantine_start_at"], contacts["transferred_at"]).where(moved)


def _con_mode_history(contacts, as_of, red_scopes) -> pd.DataFrame:
    """CON-MODE's history for the scopes red now: the counts in quarantine and centralized after
    each moment, and the same 24 h before it."""
    q = contacts[contacts["quarantine_start_at"] <= as_of]
    if CITY not in red_scopes:
        q = q[q["district_code"].isin(red_scopes)]
    end = q["quarantine_end_at"]
    cf = _centralized_from(q)
    cf = cf.where((cf <= as_of) & (end.isna() | (cf < end)))
    end_known = end.where(end <= as_of)
    steps = pd.concat([
        pd.DataFrame({"district_code": q["district_code"], "changed_at": q["quarantine_start_at"], "dq": 1,
                      "dc": (cf == q["quarantine_start_at"]).astype("int64")}),
        pd.DataFrame({"district_code": q["district_code"], "changed_at": cf, "dq": 0, "dc": 1})[
            cf > q["quarantine_start_at"]],
        pd.DataFrame({"district_code": q["district_code"], "changed_at": end_known, "dq": -1,
                      "dc": -cf.notna().astype("int64")})[end_known.notna()],
    ], ignore_index=True)
    later = steps["changed_at"] + DAY
    changes = pd.concat([
        steps.assign(dq_before=0, dc_before=0),
        pd.DataFrame({"district_code": steps["district_code"], "changed_at": later, "dq": 0, "dc": 0,
                      "dq_before": steps["dq"], "dc_before": steps["dc"]})[later <= as_of],
    ], ignore_index=True)
    h = running_sums(changes_where_red(changes, red_scopes), ["dq", "dc", "dq_before", "dc_before"])
    is_red = (h["dq"] > 0) & (h["dq_before"] > 0) & (h["dc"] * h["dq_before"] < h["dc_before"] * h["dq"])
    return pd.DataFrame({"scope": h["scope"], "changed_at": h["changed_at"], "is_red": is_red})


def con_separate(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    runs = t["transport_runs"]
    runs = runs[(runs["departed_at"] > as_of - hours(p["timeliness_window_hours"])) & (runs["departed_at"] <= as_of)]
    passengers = t["transport_passengers"]
    kinds = (passengers.assign(case=passengers["passenger_kind"] == "case",
                               contact=passengers["passenger_kind"] == "contact")
             .groupby("transport_run_id")[["case", "contact"]].sum())
    runs = runs.join(kinds, on="transport_run_id")
    case_passengers, contact_passengers = runs["case"].fillna(0), runs["contact"].fillna(0)
    mixed = (case_passengers > 0) & (contact_passengers > 0)
    judged = pd.DataFrame({
        "district_code": runs["district_code"], "mixed": mixed,
        "case_passengers": case_passengers.where(mixed, 0), "contact_passengers": contact_passengers.where(mixed, 0),
        "mixed_departed_at": runs["departed_at"].where(mixed)})
    c = grouping_sets(judged, runs=("mixed", "size"), mixed_runs=("mixed", "sum"),
                      case_passengers=("case_passengers", "sum"), contact_passengers=("contact_passengers", "sum"),
                      first_mixed_departed_at=("mixed_departed_at", "min"))
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": c["mixed_runs"].astype("float64"),
        "numerator": c["mixed_runs"],
        "denominator": c["runs"],
        "threshold": _null(len(c)),
        "is_red": c["mixed_runs"] > 0,
        "red_since": pd.to_datetime(c["first_mixed_departed_at"]),
        "mixed_runs": c["mixed_runs"],
        "runs": c["runs"],
        "case_passengers": c["case_passengers"],
        "contact_passengers": c["contact_passengers"],
    })


def con_flow(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    contacts = t["contacts"]
    c = contacts[contacts["identified_at"] <= as_of]
    tests = t["contact_tests"]
    tested_ids = tests.loc[tests["sampled_at"] <= as_of, "contact_id"].unique()
    turned = c["turned_positive_at"] <= as_of
    stages = {
        "identified": pd.Series(True, index=c.index),
        "reached": c["reached_at"] <= as_of,
        "transferred": c["transferred_at"] <= as_of,
        "tested": c["contact_id"].isin(tested_ids),
        "released": (c["quarantine_end_at"] <= as_of) & ~turned,
        "turned_positive": turned,
    }
    is_close = c["contact_type"] == "close"
    flags = {"district_code": c["district_code"]}
    flags.update(stages)
    flags.update({f"close_{k}": v & is_close for k, v in stages.items()})
    flags.update({f"secondary_{k}": v & ~is_close for k, v in stages.items()})
    frame = pd.DataFrame(flags)
    s = grouping_sets(frame, **{k: (k, "sum") for k in frame.columns if k != "district_code"})
    out = pd.DataFrame({
        "district_code": s["district_code"],
        "value": s["identified"].astype("float64"),
        "numerator": _null(len(s)),
        "denominator": s["identified"],
        "threshold": _null(len(s)),
        "is_red": False,
        "red_since": _null(len(s), "ts"),
    })
    return pd.concat([out, s.drop(columns=["district_code"])], axis=1)


# --- cases ----------------------------------------------------------------------------------------

def _rising_red_since(events: pd.DataFrame, window: pd.Timedelta, as_of, red_scopes: set) -> pd.DataFrame | None:
    if not red_scopes:
        return None
    return red_since_while_above_zero(rising_changes(events, window, as_of), red_scopes)


def case_new(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    pos = positives(t, p)
    week = pd.Timedelta(days=7)
    is_new = pos["is_new"]
    flagged = pd.DataFrame({
        "district_code": pos["district_code"],
        "new_confirmed": is_new & (pos["classification"] == "confirmed"),
        "new_asymptomatic": is_new & (pos["classification"] == "asymptomatic"),
        "new_total": is_new,
        "last_7d": pos["confirmed_at"] > as_of - week,
        "previous_7d": (pos["confirmed_at"] > as_of - 2 * week) & (pos["confirmed_at"] <= as_of - week),
        "cumulative": True,
        "active": (pos["discharged_at"].isna() | (pos["discharged_at"] > as_of))
        & (pos["died_at"].isna() | (pos["died_at"] > as_of)),
    })
    c = grouping_sets(flagged, **{k: (k, "sum") for k in flagged.columns if k != "district_code"})
    red = c["last_7d"] > c["previous_7d"]
    events = pd.DataFrame({"district_code": pos["district_code"], "happened_at": pos["confirmed_at"]})
    since = _rising_red_since(events, week, as_of, set(scope_of(c["district_code"][red])))
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": c["new_total"].astype("float64"),
        "numerator": c["new_total"],
        "denominator": _null(len(c)),
        "threshold": _null(len(c)),
        "is_red": red,
        "red_since": red_since_column(c, since, red) if since is not None else _null(len(c), "ts"),
        "new_confirmed": c["new_confirmed"],
        "new_asymptomatic": c["new_asymptomatic"],
        "new_total": c["new_total"],
        "avg_7d": c["last_7d"].astype("float64") / 7,
        "cumulative": c["cumulative"],
        "active": c["active"],
        "last_7d": c["last_7d"],
        "previous_7d": c["previous_7d"],
    })


def case_social(t, p):
    whole_city_only(p)
    pos = positives(t, p)
    new = pos[pos["is_new"]]
    social = new["found_in"] == "social"
    frame = pd.DataFrame({"district_code": new["district_code"], "social": social,
                          "under_control": new["found_in"] == "under_control",
                          "social_at": new["confirmed_at"].where(social)})
    c = grouping_sets(frame, new_social=("social", "sum"), new_under_control=("under_control", "sum"),
                      new_total=("social", "size"), first_social_at=("social_at", "min"))
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": c["new_social"].astype("float64"),
        "numerator": c["new_social"],
        "denominator": c["new_total"],
        "threshold": _null(len(c)),
        "is_red": c["new_social"] > 0,
        "red_since": pd.to_datetime(c["first_social_at"]),
        "social_share": (c["new_social"] / c["new_total"].where(c["new_total"] > 0)).astype("float64"),
        "new_social": c["new_social"],
        "new_under_control": c["new_under_control"],
        "new_total": c["new_total"],
    })


def case_source(t, p):
    whole_city_only(p)
    pos = positives(t, p)
    frame = pd.DataFrame({"district_code": pos["district_code"], "abroad": pos["source"] == "abroad",
                          "other_province": pos["source"] == "other_province", "local": pos["source"] == "local"})
    c = grouping_sets(frame, abroad=("abroad", "sum"), other_province=("other_province", "sum"),
                      local=("local", "sum"), positives=("local", "size"))
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": c["local"].astype("float64"),
        "numerator": c["local"],
        "denominator": c["positives"],
        "threshold": _null(len(c)),
        "is_red": False,
        "red_since": _null(len(c), "ts"),
        "abroad": c["abroad"],
        "other_province": c["other_province"],
        "local": c["local"],
        "imported": c["abroad"] + c["other_province"],
        "positives": c["positives"],
        "local_share": (c["local"] / c["positives"].where(c["positives"] > 0)).astype("float64"),
    })


def case_suspect(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    periods = stg_case_class_periods(t)
    known = periods[periods["valid_from"] <= as_of]
    suspected = (known[known["classification"] == "suspected"].groupby("case_id")["valid_from"].min()
                 .rename("suspected_at").reset_index())
    confirmed = known[known["classification"] == "confirmed"].merge(suspected, on="case_id")
    converted = (confirmed[confirmed["valid_from"] > confirmed["suspected_at"]]
                 .groupby("case_id")["valid_from"].min().rename("converted_at"))
    suspects = (suspected.merge(t["cases"][["case_id", "district_code"]], on="case_id")
                .join(converted, on="case_id")
                .merge(class_at_as_of(t, p).rename(columns={"classification": "now"}), on="case_id", how="left"))
    at = suspects["suspected_at"]
    frame = pd.DataFrame({
        "district_code": suspects["district_code"],
        "new_suspected": at > as_of - DAY,
        "previous_24h": (at > as_of - 2 * DAY) & (at <= as_of - DAY),
        "suspected_total": True,
        "converted": suspects["converted_at"].notna(),
        "pending": suspects["now"] == "suspected",
        "excluded": suspects["now"] == "excluded",
    })
    c = grouping_sets(frame, **{k: (k, "sum") for k in frame.columns if k != "district_code"})
    red = c["new_suspected"] > c["previous_24h"]
    events = pd.DataFrame({"district_code": suspects["district_code"], "happened_at": at})
    since = _rising_red_since(events, DAY, as_of, set(scope_of(c["district_code"][red])))
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": c["new_suspected"].astype("float64"),
        "numerator": c["converted"],
        "denominator": c["suspected_total"],
        "threshold": _null(len(c)),
        "is_red": red,
        "red_since": red_since_column(c, since, red) if since is not None else _null(len(c), "ts"),
        "new_suspected": c["new_suspected"],
        "previous_24h": c["previous_24h"],
        "suspected_total": c["suspected_total"],
        "converted": c["converted"],
        "conversion_share": (c["converted"] / c["suspected_total"].where(c["suspected_total"] > 0)).astype("float64"),
        "pending": c["pending"],
        "excluded": c["excluded"],
    })


def case_outcome(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    pos = positives(t, p)
    recovered, died = pos["discharged_at"] <= as_of, pos["died_at"] <= as_of
    admitted = pos["hospital_transfer_at"] <= as_of
    frame = pd.DataFrame({"district_code": pos["district_code"], "recovered": recovered, "died": died,
                          "admitted": admitted, "in_treatment": admitted & ~recovered & ~died})
    c = grouping_sets(frame, positives=("recovered", "size"), recovered=("recovered", "sum"),
                      died=("died", "sum"), admitted=("admitted", "sum"), in_treatment=("in_treatment", "sum"))
    known = c["positives"].where(c["positives"] > 0)
    cure = (c["recovered"] / known).astype("float64")
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": cure,
        "numerator": c["recovered"],
        "denominator": c["positives"],
        "threshold": _null(len(c)),
        "is_red": False,
        "red_since": _null(len(c), "ts"),
        "cure_rate": cure,
        "fatality_rate": (c["died"] / known).astype("float64"),
        "admission_rate": (c["admitted"] / known).astype("float64"),
        "positives": c["positives"],
        "recovered": c["recovered"],
        "died": c["died"],
        "admitted": c["admitted"],
        "in_treatment": c["in_treatment"],
    })


def case_transfer(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    cases = t["cases"].merge(class_at_as_of(t, p).rename(columns={"classification": "now"}), on="case_id", how="left")
    positive_at = cases["prelim_positive_at"].fillna(cases["confirmed_at"])
    cases = cases[(positive_at <= as_of) & (cases["now"].isna() | (cases["now"] != "excluded"))]
    positive_at = positive_at[cases.index]
    arrived_at = cases["hospital_transfer_at"].where(cases["hospital_transfer_at"] <= as_of)
    left_care = (cases["died_at"] <= as_of) | (cases["discharged_at"] <= as_of)
    transfer_hours = (minutes_between(positive_at, arrived_at) / 60.0).where(
        arrived_at > as_of - hours(p["timeliness_window_hours"]))
    not_moved = arrived_at.isna() & ~left_care
    judged = pd.DataFrame({"district_code": cases["district_code"], "transfer_hours": transfer_hours,
                           "not_moved": not_moved, "waiting_since": positive_at.where(not_moved)})
    judged = judged[judged["transfer_hours"].notna() | judged["not_moved"]]
    c = grouping_sets(judged, arrivals=("transfer_hours", "count"),
                      median_hours=("transfer_hours", lambda s: s.quantile(0.5)),
                      p90_hours=("transfer_hours", lambda s: s.quantile(0.9)),
                      max_hours=("transfer_hours", "max"), not_moved=("not_moved", "sum"),
                      oldest_not_moved_at=("waiting_since", "min"))
    oldest = pd.to_datetime(c["oldest_not_moved_at"])
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": c["median_hours"].astype("float64"),
        "numerator": _null(len(c)),
        "denominator": _null(len(c)),
        "threshold": _null(len(c)),
        "is_red": False,
        "red_since": _null(len(c), "ts"),
        "arrivals": c["arrivals"],
        "median_hours": c["median_hours"].astype("float64"),
        "p90_hours": c["p90_hours"].astype("float64"),
        "max_hours": c["max_hours"].astype("float64"),
        "not_moved": c["not_moved"],
        "oldest_not_moved_at": oldest,
        "longest_wait_hours": minutes_between(oldest, pd.Timestamp(as_of)) / 60.0,
    })


def case_retest(t, p):
    whole_city_only(p)
    as_of = p["as_of"]
    days, grace = p["case_retest_days"], hours(p["case_retest_grace_hours"])
    cases = t["cases"]
    discharged = cases[cases["discharged_at"].notna()]
    owed = pd.concat([
        pd.DataFrame({"district_code": discharged["district_code"], "retest_number": number,
                      "due_at": discharged["discharged_at"] + pd.Timedelta(days=days[number - 1]),
                      "retested_at": discharged[column]})
        for number, column in ((1, "retest_day3_at"), (2, "retest_day7_at"))
    ], ignore_index=True)
    owed["deadline"] = owed["due_at"] + grace
    done = owed["retested_at"] <= as_of
    owed["done"] = done
    owed["missing"] = ~done & (owed["deadline"] < as_of)
    due = owed[owed["due_at"] <= as_of]
    frame = pd.DataFrame({
        "district_code": due["district_code"], "done": due["done"], "missing": due["missing"],
        "missing_first": due["missing"] & (due["retest_number"] == 1),
        "missing_second": due["missing"] & (due["retest_number"] == 2),
        "missed_deadline": due["deadline"].where(due["missing"])})
    c = grouping_sets(frame, due=("done", "size"), done=("done", "sum"), missing=("missing", "sum"),
                      missing_first_retest=("missing_first", "sum"), missing_second_retest=("missing_second", "sum"),
                      first_missed_deadline=("missed_deadline", "min"))
    return pd.DataFrame({
        "district_code": c["district_code"],
        "value": c["missing"].astype("float64"),
        "numerator": c["missing"],
        "denominator": c["due"],
        "threshold": float(p["case_retest_grace_hours"]),
        "is_red": c["missing"] > 0,
        "red_since": pd.to_datetime(c["first_missed_deadline"]),
        "due": c["due"],
        "done": c["done"],
        "missing": c["missing"],
        "awaiting": c["due"] - c["done"] - c["missing"],
        "missing_first_retest": c["missing_first_retest"],
        "missing_second_retest": c["missing_second_retest"],
    })


# --- reference ------------------------------------------------------------------------------------

def district_names(t, p):
    names = t["districts"][["district_code", "name_zh", "name_en"]]
    return names.sort_values("district_code", kind="stable").reset_index(drop=True)


# The tables these queries read (load_tables(path, TABLES) loads no more).
TABLES = ["assist_letters", "case_classifications", "cases", "commuting_ties", "contact_tests", "contacts",
          "districts", "facilities", "investigations", "room_stays", "rooms", "screening_tasks",
          "transport_passengers", "transport_runs"]

QUERIES = {
    "metrics/iso_use": iso_use,
    "metrics/iso_reserve": iso_reserve,
    "metrics/iso_commission": iso_commission,
    "metrics/iso_single": iso_single,
    "metrics/iso_dispatch": iso_dispatch,
    "metrics/iso_runway": iso_runway,
    "metrics/timeliness": timeliness,
    "metrics/con_mode": con_mode,
    "metrics/con_separate": con_separate,
    "metrics/con_flow": con_flow,
    "metrics/case_new": case_new,
    "metrics/case_social": case_social,
    "metrics/case_source": case_source,
    "metrics/case_suspect": case_suspect,
    "metrics/case_outcome": case_outcome,
    "metrics/case_transfer": case_transfer,
    "metrics/case_retest": case_retest,
    "reference/district_names": district_names,
}
