"""督办事项 Alerts (issue 14): the follow-through inbox.

A user who may act on alerts (a district officer, a responsible unit's officer) sees their open
alerts first, worst first, each with what to do, its acknowledgement deadline, the value against the
threshold, and the forms to acknowledge, record the action taken and close by hand; the rows behind
it and its history. Everyone who reads data sees all alerts (a district-bound user: their districts'),
filterable and read-only. The lifecycle itself is sitrep/alerts.py; this page only calls it.

A view pinned to a past moment shows the alerts as they stood then and cannot act: acting is always
"now" on the alerts' clock (alerts.clock)."""

import pandas as pd
import streamlit as st

from sitrep import access, alerts, database_path, registry, ui
from sitrep import settings as settings_module
from sitrep.formatting import format_duration, format_threshold, format_value, red_item_values
from sitrep.i18n import name_of, t

view = ui.current_view()
lang = view.lang
user = ui.current_user()
db = database_path()
st.title(t("inbox_page_title", lang))
ui.as_of_caption(view)

STATUS_WORDS = {alerts.NEW: "inbox_status_new", alerts.ACK: "inbox_status_acknowledged",
                alerts.HAND: "inbox_status_in_hand", alerts.DONE: "inbox_status_closed"}
KIND_WORDS = {alerts.OPENED: "inbox_kind_opened", alerts.REOPENED: "inbox_kind_reopened",
              alerts.GREEN: "inbox_kind_green", alerts.RED_AGAIN: "inbox_kind_red_again",
              alerts.ACKNOWLEDGED: "inbox_kind_acknowledged", alerts.IN_HAND: "inbox_kind_in_hand",
              alerts.NOTE: "inbox_kind_note", alerts.CLOSED: "inbox_kind_closed"}
CLOSE_REASONS = {"data_green_settled": "inbox_closed_by_data"}
OPEN = (alerts.NEW, alerts.ACK, alerts.HAND)
SETTINGS = settings_module.current()

# Acting happens now; a view pinned before now reads the past and cannot act.
now = alerts.clock(db)
live = view.following or view.as_of >= now
at = max(now, view.as_of) if live else view.as_of
if not live:
    st.info(t("inbox_pinned_read_only", lang, as_of=f"{view.as_of:%Y-%m-%d %H:%M}"))

flash = st.session_state.pop("inbox_flash", None)
if flash:
    kind, text = flash
    (st.success if kind == "ok" else st.error)(text)

names = ui.district_names(view)
allowed = access.scope(user)
frame = alerts.states(db, at)
if allowed is not None:     # a district-bound user: their districts' alerts only (no city rows)
    frame = frame[frame["district_code"].isin(allowed)]
    st.caption(t("inbox_scope", lang, districts="、".join(names.get(c, c) for c in allowed)))
red_items = ui.red_list_frame(view, **ui.CITY)
frame = alerts.ranked(frame, None if ui.timed_out(red_items) else red_items)
# A red item's value as the red list words it (e.g. how many areas fall short), for the alerts still red.
RED_WORDS = {} if ui.timed_out(red_items) or red_items.empty else dict(zip(
    zip(red_items["rule_id"], red_items["district_code"].fillna(""), red_items["round_id"].fillna("")),
    red_item_values(red_items, lang)))


def when(moment) -> str:
    return "" if moment is None or pd.isna(moment) else f"{pd.Timestamp(moment):%m-%d %H:%M}"


def place(code: str) -> str:
    return names.get(code, code) if code else ui.whole_city_label(lang)


def status_text(row) -> str:
    return t(STATUS_WORDS[row.status], lang)


def overdue_text(row) -> str:
    if row.overdue:
        return t("inbox_overdue_by", lang, duration=format_duration(row.overdue_minutes * 60, lang))
    if row.status == alerts.NEW:
        return t("inbox_ack_due_at", lang, due=when(row.ack_due))
    return t("inbox_acknowledged_late", lang) if row.ack_late else t("inbox_acknowledged_in_time", lang)


def threshold_text(rule_id: str, threshold) -> str:
    """The threshold in its setting's unit (a round's deadline in hours, not the rule's share), as
    the red list shows it; '' for a rule with no number (any row is red)."""
    setting = registry.metric(rule_id).threshold
    unit = SETTINGS[setting].unit if setting else None
    return "" if threshold is None or pd.isna(threshold) else format_threshold(threshold, unit, lang)


def value_text(row, rule: registry.Metric) -> str:
    now = RED_WORDS.get((row.rule_id, row.district_code, row.round_id))
    text = f"{t('value', lang)} {now or format_value(row.value, rule.unit, lang)}"
    limit = threshold_text(rule.id, row.threshold)
    return f"{text} / {t('threshold', lang)} {limit}" if limit else text


def label(row) -> str:
    rule = registry.metric(row.rule_id)
    return " · ".join(part for part in (f"#{row.alert_id}", f"{row.rule_id} {name_of(rule, lang)}",
                                        place(row.district_code), row.round_id) if part)


def act(alert_id: int, do, text: str, missing_key: str) -> None:
    """Run one action as the logged-in user, then run the page again to show the new status."""
    if not text.strip():
        st.session_state["inbox_flash"] = ("error", t("inbox_failed", lang, id=alert_id, error=t(missing_key, lang)))
    else:
        try:
            do(db, alert_id, user, text)
        except alerts.AlertError as refused:      # wrong state, not the user's alert: say why, nothing changed
            st.session_state["inbox_flash"] = ("error", t("inbox_failed", lang, id=alert_id, error=str(refused)))
        else:
            status = alerts.states(db, alerts.clock(db)).set_index("alert_id").loc[alert_id, "status"]
            st.session_state["inbox_flash"] = ("ok", t("inbox_done", lang, id=alert_id,
                                                       status=t(STATUS_WORDS[status], lang)))
    st.rerun()


def action_form(row, key: str, field_key: str, button_key: str, do, missing_key: str, enabled: bool) -> None:
    with st.form(f"{key}-{row.alert_id}", clear_on_submit=True, border=False):
        text = st.text_input(t(field_key, lang), key=f"{key}-text-{row.alert_id}", disabled=not live)
        if st.form_submit_button(t(button_key, lang), key=f"{key}-button-{row.alert_id}",
                                 disabled=not (live and enabled)):
            act(int(row.alert_id), do, text, missing_key)


def history_table(alert_id: int) -> None:
    events = alerts.history(db, alert_id, until=at)
    st.dataframe(pd.DataFrame({
        t("inbox_col_when", lang): events["at"],
        t("inbox_col_event", lang): [t(KIND_WORDS[k], lang) for k in events["kind"]],
        t("inbox_col_by", lang): [login or t("inbox_by_data", lang) for login in events["login"]],
        t("inbox_col_unit", lang): events["unit"].fillna(""),
        t("inbox_col_text", lang): [t(CLOSE_REASONS[x], lang) if x in CLOSE_REASONS else (x or "")
                                    for x in events["text"]],
    }), hide_index=True, width="stretch")


def alert_card(row, forms: bool, where: str) -> None:
    """One alert: what, where, how bad, what to do, its clock and owner; the forms to act (`forms`);
    the rows behind it and its history. `where` keeps the widget keys of the two lists apart."""
    rule = registry.metric(row.rule_id)
    with st.container(border=True, key=f"{where}-alert-{row.alert_id}"):
        st.markdown(f"**{label(row)}** · {status_text(row)}"
                    + (f" · :red[**{overdue_text(row)}**]" if row.overdue else ""))
        st.markdown(f"{t('inbox_what_to_do', lang)}：**{rule.action(lang)}**")
        st.caption(" · ".join([
            value_text(row, rule),
            f"{t('inbox_open_since', lang)} {when(row.opened_at)}",
            f"{t('inbox_ack_due', lang)} {when(row.ack_due)}" + ("" if row.overdue else f" ({overdue_text(row)})"),
            f"{t('lead_owner', lang)} {row.owner or '—'}",
            f"{t('acting_unit', lang)} {row.acting_unit}",
        ]))
        if row.action:
            st.caption(f"{t('inbox_kind_in_hand', lang)}：{row.action}")
        if row.status == alerts.DONE:
            st.caption(f"{t('inbox_col_closed', lang)} {when(row.closed_at)} · "
                       + (t(CLOSE_REASONS[row.close_reason], lang) if row.close_reason in CLOSE_REASONS
                          else f"{row.closed_by}：{row.close_reason}"))
        if forms:
            action_forms(row)
        if st.toggle(t("rows_behind", lang), key=f"{where}-rows-{row.alert_id}"):
            # Read only when asked: each alert's rows are a query of their own.
            district = row.district_code or None
            rows = ui.metric_frame(rule.id, view, query=rule.detail, district_code=district, township_code=None) \
                if rule.detail else ui.metric_frame(rule.id, view, district_code=district, township_code=None)
            ui.table(rows, f"{rule.id}_rows", view, key=f"{where}-alert-rows-{row.alert_id}")
            st.caption(ui.definition_text(rule.id, lang))
        with st.expander(t("inbox_history", lang)):
            history_table(int(row.alert_id))


def action_forms(row) -> None:
    left, middle, right = st.columns(3)
    with left:
        action_form(row, "ack", "inbox_ack_note", "inbox_ack_button", alerts.acknowledge, "inbox_need_note",
                    row.status == alerts.NEW)
    with middle:
        action_form(row, "hand", "inbox_action_text", "inbox_action_button", alerts.record_action,
                    "inbox_need_action", row.status in OPEN)
    with right:
        action_form(row, "close", "inbox_close_reason", "inbox_close_button", alerts.close, "inbox_need_reason",
                    row.status in OPEN)


# --- my open alerts: the ones this user acts on, worst first --------------------------------------------
if access.can(user, access.ACT_ON_ALERTS):
    mine = frame[frame["status"].isin(OPEN)]
    mine = mine[[alerts.may_act(user, row) for row in mine.itertuples()]]
    st.subheader(f"{t('inbox_mine', lang)} · {len(mine)}")
    if mine.empty:
        st.success(t("inbox_mine_none", lang))
    for row in mine.itertuples():
        alert_card(row, forms=True, where="mine")

# --- all alerts: read-only, filterable ----------------------------------------------------------------------
st.subheader(t("lead_all_alerts", lang))
by_status, by_rule, by_district = st.columns(3)
statuses = by_status.multiselect(t("inbox_filter_status", lang), list(alerts.STATUSES), default=list(OPEN),
                                 format_func=lambda s: t(STATUS_WORDS[s], lang), key="inbox_status",
                                 placeholder=t("inbox_any", lang))
rules = by_rule.multiselect(t("inbox_filter_rule", lang), sorted(frame["rule_id"].unique()), key="inbox_rule",
                            placeholder=t("inbox_any", lang),
                            format_func=lambda r: f"{r} {name_of(registry.metric(r), lang)}")
district_options = sorted(frame["district_code"].unique())
districts = by_district.multiselect(
    t("inbox_filter_district", lang), district_options, key="inbox_district", format_func=place,
    placeholder=t("inbox_any", lang),
    default=[view.district_code] if view.district_code in district_options else [])
shown = frame[frame["status"].isin(statuses)] if statuses else frame
if rules:
    shown = shown[shown["rule_id"].isin(rules)]
if districts:
    shown = shown[shown["district_code"].isin(districts)]
st.caption(t("inbox_count", lang, n=len(shown)))
if shown.empty:
    st.info(t("inbox_none", lang))
else:
    units = {r: registry.metric(r).unit for r in shown["rule_id"].unique()}
    table = pd.DataFrame({
        t("inbox_col_alert", lang): shown["alert_id"],
        t("rule", lang): [f"{r} {name_of(registry.metric(r), lang)}" for r in shown["rule_id"]],
        t("district", lang): [place(c) for c in shown["district_code"]],
        t("round", lang): shown["round_id"],
        t("inbox_col_status", lang): [status_text(r) for r in shown.itertuples()],
        t("inbox_col_overdue", lang): [overdue_text(r) if r.status != alerts.DONE else "" for r in shown.itertuples()],
        t("inbox_what_to_do", lang): [registry.metric(r).action(lang) for r in shown["rule_id"]],
        t("value", lang): [format_value(v, units[r], lang) for r, v in zip(shown["rule_id"], shown["value"])],
        t("threshold", lang): [threshold_text(r, v) for r, v in zip(shown["rule_id"], shown["threshold"])],
        t("inbox_open_since", lang): [when(m) for m in shown["opened_at"]],
        t("inbox_ack_due", lang): [when(m) for m in shown["ack_due"]],
        t("lead_owner", lang): shown["owner"],
        t("inbox_kind_in_hand", lang): shown["action"],
        t("acting_unit", lang): shown["acting_unit"],
        t("inbox_col_closed", lang): [when(m) for m in shown["closed_at"]],
    })
    ui.table(table, "alerts", view, key="alerts-all")

# One alert in full, read-only: picked here or named in the link (?alert=ID), among all the user sees.
labels = {int(r.alert_id): label(r) for r in frame.itertuples()}
linked = st.query_params.get("alert")
if "inbox_picked" not in st.session_state and linked and linked.isdigit() and int(linked) in labels:
    st.session_state["inbox_picked"] = int(linked)
picked = st.selectbox(t("inbox_one_alert", lang), [None, *labels], key="inbox_picked",
                      format_func=lambda i: "—" if i is None else labels[i])
if picked is not None:
    alert_card(next(r for r in frame.itertuples() if r.alert_id == picked), forms=False, where="picked")
