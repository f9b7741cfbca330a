"""总览 Overview: what is red now, where and why — the leadership screen."""

import pandas as pd
import plotly.express as px
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import format_threshold, format_value, red_item_values
from sitrep.i18n import name_of, t
from sitrep.maps import LAYER_ID, district_map

view = ui.current_view()
lang = view.lang
st.title(t("app_title", lang))
ui.as_of_caption(view)

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)


def value_at(metric_id: str, column: str, at: pd.Timestamp):
    row = ui.scoped(metric_id, view, at)
    return None if row is None else row[column]


def isolated_at(at: pd.Timestamp):
    frame = ui.query_frame("overview/people_in_isolation", view, as_of=at)
    row = ui.scope_row(frame, view)
    return None if row is None else row["people"]


# --- KPI cards: each against the previous day and the previous 7 days -----------------------
cards = [
    ("kpi_new_confirmed", "CASE-NEW", "count", lambda at: value_at("CASE-NEW", "new_confirmed", at)),
    ("kpi_new_asymptomatic", "CASE-NEW", "count", lambda at: value_at("CASE-NEW", "new_asymptomatic", at)),
    ("kpi_social", "CASE-SOCIAL", "count", lambda at: value_at("CASE-SOCIAL", "value", at)),
    ("kpi_isolated", "ISO-USE", "count", isolated_at),
    ("kpi_room_usage", "ISO-USE", "share", lambda at: value_at("ISO-USE", "value", at)),
]
columns = st.columns(len(cards) + 1)
for column, (label, metric_id, unit, compute) in zip(columns, cards):
    ui.kpi(column, t(label, lang), metric_id, compute(view.as_of), unit,
           previous_day=compute(view.as_of - DAY), previous_week=compute(view.as_of - WEEK), view=view)

rounds = ui.metric_frame("TEST-ROUND", view)
city_rounds = rounds[rounds["district_code"].isna()] if not view.district_code else \
    rounds[rounds["district_code"] == view.district_code]
if len(city_rounds):
    latest = city_rounds.sort_values("started_at").iloc[-1]
    columns[-1].metric(t("kpi_round", lang), format_value(latest["value"], "share", lang),
                       help=ui.definition_text("TEST-ROUND", lang))
    columns[-1].caption(f"{latest['round_id']} · {format_value(latest['elapsed_hours'], 'hours', lang)}"
                        f" / {format_threshold(latest['threshold'], 'hours', lang)}")
else:
    columns[-1].metric(t("kpi_round", lang), "—", help=ui.definition_text("TEST-ROUND", lang))
    columns[-1].caption(t("no_active_round", lang))

# Drill-through: the rows behind each card.
with st.expander(t("rows_behind", lang)):
    KPI_ROWS = [
        ("kpi_new_confirmed", "CASE-NEW", "details/case_new_list", "confirmed"),
        ("kpi_new_asymptomatic", "CASE-NEW", "details/case_new_list", "asymptomatic"),
        ("kpi_social", "CASE-SOCIAL", "details/case_social_new", None),
        ("kpi_isolated", "ISO-USE", "details/iso_rooms_in_use", None),
        ("kpi_room_usage", "ISO-USE", "details/iso_rooms_in_use", None),
        ("kpi_round", "TEST-ROUND", "details/test_round_progress", None),
    ]
    for tab, (label, metric_id, query, classification) in zip(st.tabs([t(k[0], lang) for k in KPI_ROWS]), KPI_ROWS):
        with tab:
            rows = ui.metric_frame(metric_id, view, query=query)
            if classification:
                rows = rows[rows["classification"] == classification]
            ui.table(rows, f"{label}_rows", view, key=f"kpi-rows-{label}")

# --- the red list ------------------------------------------------------------------------------
items = ui.red_list_frame(view)
st.subheader(f"{t('red_list', lang)} · {'—' if ui.timed_out(items) else len(items)}")
if ui.timed_out(items):
    pass  # the error above says so; an empty list here is not "nothing is red"
elif items.empty:
    st.success(t("nothing_red", lang))
else:
    shown = pd.DataFrame({
        t("rule", lang): items["rule_id"] + " " + items["name_zh" if lang == "zh" else "name_en"],
        t("district", lang): items["district_name_zh" if lang == "zh" else "district_name_en"].fillna(t("whole_city", lang)),
        t("round", lang): items["round_id"].fillna(""),
        t("value", lang): red_item_values(items, lang),
        t("threshold", lang): [format_threshold(v, u, lang) for v, u in zip(items["threshold"], items["threshold_unit"])],
        t("red_since", lang): items["red_since"].dt.strftime("%m-%d %H:%M").fillna(""),
        t("source", lang): items["source"],
    })
    ui.table(shown, "red_list", view, height=min(420, 38 + 35 * len(shown)))

    # Drill-through: the rows behind any red item, so nobody has to take a number on faith.
    labels = [f"{r.rule_id} · {r.district_name_zh if lang == 'zh' else r.district_name_en}"
              + (f" · {r.round_id}" if isinstance(r.round_id, str) else "")
              if isinstance(r.district_code, str) else f"{r.rule_id} · {t('whole_city', lang)}"
              for r in items.itertuples()]
    picked = st.selectbox(t("rows_behind", lang), [None] + list(range(len(items))), key="red_item",
                          format_func=lambda i: "—" if i is None else labels[i])
    if picked is not None:
        item = items.iloc[picked]
        rule = registry.metric(item["rule_id"])
        place = {"district_code": item["district_code"] if isinstance(item["district_code"], str) else None,
                 "township_code": view.township_code}
        if rule.detail:
            rows = ui.metric_frame(rule.id, view, query=rule.detail, **place)
        else:
            rows = ui.metric_frame(rule.id, view, **place)
        ui.table(rows, f"{rule.id}_rows", view, key="red-item-rows")
        st.caption(ui.definition_text(rule.id, lang))
    st.caption(t("rows_on_pages", lang))

# --- the map and the epidemic curve --------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    mappable = [m for m in registry.metrics().values()
                if m.unit in ("share", "per_10k", "count") and m.query != "metrics/timeliness"]
    options = [m.id for m in mappable]
    chosen = st.selectbox(t("map_metric", lang), options, index=options.index("ISO-USE"),
                          format_func=lambda i: f"{i} {name_of(registry.metric(i), lang)}", key="map_metric")
    metric = registry.metric(chosen)
    values = ui.metric_frame(chosen, view, **ui.CITY)
    values = values[values["district_code"].notna()].drop_duplicates("district_code")
    districts = ui.district_outlines()
    threshold = float(values["threshold"].dropna().iloc[0]) if values["threshold"].notna().any() else None
    deck = district_map(districts, values, metric.unit, lang, threshold, metric.good)
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="district_map",
                            height=460)
    picked = (event.selection.objects.get(LAYER_ID) or []) if event and event.selection else []
    if picked and picked[0].get("district_code") != view.district_code:
        st.session_state["district"] = picked[0]["district_code"]
        st.rerun()
    ui.definition(chosen, view)
with right:
    daily = ui.query_frame("details/case_daily", view)
    if not daily.empty:
        daily = daily.groupby(["confirmed_on", "classification"], as_index=False)["new_positives"].sum()
        labels = {"confirmed": "确诊 confirmed", "asymptomatic": "无症状 asymptomatic"}
        daily["classification"] = daily["classification"].map(labels)
        fig = px.bar(daily, x="confirmed_on", y="new_positives", color="classification",
                     labels={"confirmed_on": "", "new_positives": "", "classification": ""},
                     title=t("epi_curve", lang))
        fig.update_layout(legend=dict(orientation="h"), margin=dict(t=40, b=10, l=10, r=10), height=460)
        st.plotly_chart(fig, width="stretch")
    ui.definition("CASE-NEW", view)
