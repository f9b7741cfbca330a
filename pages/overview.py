"""总览 Overview: the leadership screen. First what needs a decision (issue 14 #3): the alerts by status and
rule, the three worst as cards, the ranked list and the map by worst state; then the headline cards, the
red list with the rows behind it, and the epidemic curve."""

import pandas as pd
import plotly.express as px
import streamlit as st

from sitrep import registry, ui
from sitrep.formatting import format_threshold, format_value, red_item_values
from sitrep.i18n import name_of, t
from sitrep.maps import LAYER_ID, district_state_map
from sitrep.ui import leadership as lead

view = ui.current_view()
lang = view.lang
st.title(t("app_title", lang))
ui.as_of_caption(view)

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)

# --- leadership's first screen: the strip, the three things that need a decision, the ranked list --
board = lead.board(view)
st.html(lead.CSS + lead.strip_html(board, lang))


def show_map() -> None:
    """The districts coloured by their worst alert state (or, as an option, by a metric); a click
    picks the district."""
    mode = st.radio(t("lead_map_mode", lang), ["states", "metric"], horizontal=True, key="map_mode",
                    format_func=lambda m: t("lead_map_states" if m == "states" else "lead_map_metric", lang))
    if mode == "states" and not view.district_code:      # within a district: its townships by a metric
        words = {"overdue": t("lead_status_overdue", lang), "new": t("lead_status_new", lang),
                 "open": f"{t('lead_status_ack', lang)} / {t('lead_status_in_hand', lang)}"}
        deck = district_state_map(ui.district_outlines(), board.worst, words, lang, zoom=5.5)
        event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="district_map",
                                height=340)
        picked = (event.selection.objects.get(LAYER_ID) or []) if event and event.selection else []
        if picked and picked[0].get("district_code") and picked[0]["district_code"] != view.district_code:
            ui.pick_place("district", picked[0]["district_code"])
        st.caption(t("lead_map_legend", lang))
        return
    mappable = [m for m in registry.metrics().values()
                if m.unit in ("share", "per_10k", "count") and m.query != "metrics/timeliness"]
    options = [m.id for m in mappable]
    chosen = st.selectbox(t("map_metric", lang), options, index=options.index("ISO-USE"),
                          format_func=lambda i: f"{i} {name_of(registry.metric(i), lang)}", key="map_metric")
    ui.place_map(chosen, view, height=340)      # districts; a district's townships once one is chosen
    ui.definition(chosen, view)


decide_side, map_side = st.columns([5, 2])
with decide_side:
    st.subheader(t("lead_decisions", lang))
    st.html(lead.cards_html(board, lang))
with map_side:
    show_map()
st.subheader(f"{t('lead_ranked', lang)} · {board.strip['open']}")
st.html(lead.lines_html(board, lang, n=15))
with st.expander(t("lead_all_alerts", lang)):
    ui.table(lead.full_frame(board, lang), "alerts", view, key="all-alerts")
lead.link_to_inbox(lang)


def headline_at(h: registry.Headline, at: pd.Timestamp):
    """A headline's number at a moment, for the place picked."""
    frame = ui.query_frame(h.query, view, as_of=at) if h.query else ui.metric_frame(h.metric, view, as_of=at)
    row = ui.scope_row(frame, view)
    return None if row is None else row[h.column]


# --- KPI cards: the registry's headlines, each against the previous day and the previous 7 days -----
headlines = registry.headlines("overview")
columns = st.columns(len(headlines))
for column, h in zip(columns, headlines):
    label = ui.scoped_label(h.card(lang), lang)
    if h.metric == "TEST-ROUND":  # the latest active round: its progress and its clock
        rounds = ui.metric_frame(h.metric, view)
        city_rounds = rounds[rounds["district_code"].isna()] if not view.district_code else \
            rounds[rounds["district_code"] == view.district_code]
        help_text = ui.headline_text(h.key, lang)
        if len(city_rounds):
            latest = city_rounds.sort_values("started_at").iloc[-1]
            column.metric(label, format_value(latest[h.column], h.unit, lang), help=help_text)
            column.caption(f"{latest['round_id']} · {format_value(latest['elapsed_hours'], 'hours', lang)}"
                           f" / {format_threshold(latest['threshold'], 'hours', lang)}")
        else:
            column.metric(label, "—", help=help_text)
            column.caption(t("no_active_round", lang))
        continue
    ui.kpi(column, label, h.metric, headline_at(h, view.as_of), h.unit, previous_day=headline_at(h, view.as_of - DAY),
           previous_week=headline_at(h, view.as_of - WEEK), view=view, headline=h.key)

# Drill-through: the rows behind each card.
with st.expander(t("rows_behind", lang)):
    for tab, h in zip(st.tabs([name_of(h, lang) for h in headlines]), headlines):
        with tab:
            rows = ui.metric_frame(h.metric, view, query=h.detail)
            for column, value in h.detail_where.items():
                rows = rows[rows[column] == value]
            ui.table(rows, f"{h.key}_rows", view, key=f"kpi-rows-{h.key}")

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
        t("district", lang): items["district_name_zh" if lang == "zh" else "district_name_en"].fillna(ui.whole_city_label(lang)),
        t("round", lang): items["round_id"].fillna(""),
        t("value", lang): red_item_values(items, lang),
        t("threshold", lang): [format_threshold(v, u, lang) for v, u in zip(items["threshold"], items["threshold_unit"])],
        t("red_since", lang): items["red_since"].dt.strftime("%m-%d %H:%M").fillna(""),
        t("source", lang): items["source"],
        t("acting_unit", lang): items["acting_unit_zh" if lang == "zh" else "acting_unit_en"],
    })
    ui.table(shown, "red_list", view, height=min(420, 38 + 35 * len(shown)))

    # Drill-through: the rows behind any red item, so nobody has to take a number on faith.
    labels = [f"{r.rule_id} · {r.district_name_zh if lang == 'zh' else r.district_name_en}"
              + (f" · {r.round_id}" if isinstance(r.round_id, str) else "")
              if isinstance(r.district_code, str) else f"{r.rule_id} · {ui.whole_city_label(lang)}"
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

# --- the epidemic curve --------------------------------------------------------------------------
daily = ui.query_frame("details/case_daily", view)
if not daily.empty:
    daily = daily.groupby(["confirmed_on", "classification"], as_index=False)["new_positives"].sum()
    labels = {"confirmed": "确诊 confirmed", "asymptomatic": "无症状 asymptomatic"}
    daily["classification"] = daily["classification"].map(labels)
    fig = px.bar(daily, x="confirmed_on", y="new_positives", color="classification",
                 labels={"confirmed_on": "", "new_positives": "", "classification": ""},
                 title=t("epi_curve", lang))
    fig.update_layout(legend=dict(orientation="h"), margin=dict(t=40, b=10, l=10, r=10), height=380)
    st.plotly_chart(fig, width="stretch")
ui.definition("CASE-NEW", view)
