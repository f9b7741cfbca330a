"""用户与审计 Users and audit: the administrator's page. Accounts (list, add, disable or enable, reset a
password) and the audit log (read with filters, export as CSV; the export is itself audited).
Nobody can change or delete an audit entry, here or anywhere (sitrep/audit.py)."""

import datetime as dt

import pandas as pd
import streamlit as st

from sitrep import access, audit, database_path, opstore, settings, ui, users
from sitrep.export import csv_bytes
from sitrep.i18n import t
from sitrep.reference import load_districts

user = ui.current_user()
lang = ui.chosen_language()
db = database_path()
st.title(t("page_admin", lang))
if not access.can(user, access.MANAGE_USERS):
    audit.record(db, audit.ACCESS_REFUSED, user=user, object="pages/admin.py", outcome=audit.REFUSED)
    st.error(t("admin_not_allowed", lang))
    st.stop()

DISTRICTS = {d.code: f"{d.code} {d.name_zh if lang == 'zh' else d.name_en}" for d in load_districts()}
done = st.session_state.pop("admin_done", None)   # a change of the run before (the lists below now show it)
if done:
    st.success(done)


def changed(message: str) -> None:
    st.session_state["admin_done"] = message
    st.rerun()


ROLE_NAMES = {name: (role.zh if lang == "zh" else role.en) for name, role in access.ROLES.items()}
accounts_tab, audit_tab = st.tabs([t("admin_users", lang), t("admin_audit", lang)])

with accounts_tab:
    accounts = users.list_users(db)
    now = opstore.now()
    frame = pd.DataFrame([{
        t("auth_login", lang): a.login,
        t("admin_role", lang): ROLE_NAMES.get(a.role, a.role),
        t("admin_districts", lang): ", ".join(a.districts) or t("whole_city", lang),
        t("admin_unit", lang): a.unit,
        t("admin_name", lang): a.display_name,
        t("admin_password", lang): t("cci_yes", lang) if a.has_password else t("admin_sso_only", lang),
        t("admin_state", lang): (t("admin_disabled", lang) if a.disabled
                                 else t("admin_locked", lang) if a.locked_until and a.locked_until > now
                                 else t("admin_active", lang)),
        t("auth_demo_account", lang): t("cci_yes", lang) if a.demo else "",
        t("admin_last_login", lang): a.last_login_at or "",
    } for a in accounts])
    st.dataframe(frame, hide_index=True, width="stretch")

    with st.expander(t("admin_add", lang)):
        with st.form("admin_add_user", clear_on_submit=True):
            login = st.text_input(t("auth_login", lang), key="admin_new_login")
            role = st.selectbox(t("admin_role", lang), list(access.ROLES), format_func=ROLE_NAMES.get,
                                key="admin_new_role")
            districts = st.multiselect(t("admin_districts", lang), list(DISTRICTS), format_func=DISTRICTS.get, key="admin_new_districts")
            unit = st.text_input(t("admin_unit", lang), key="admin_new_unit")
            name = st.text_input(t("admin_name", lang), key="admin_new_name")
            password = st.text_input(t("admin_new_password", lang), type="password", key="admin_new_password",
                                     help=t("admin_password_help", lang))
            added = st.form_submit_button(t("admin_add", lang))
        if added:
            try:
                users.add_user(db, login, role, districts=districts, unit=unit, display_name=name,
                               password=password or None, by=user.login, via="app")
                changed(t("admin_added", lang, login=login.strip().lower()))
            except users.UserError as error:
                st.error(str(error))

    logins = [a.login for a in accounts]
    if logins:
        left, right = st.columns(2)
        with left:
            with st.form("admin_state_form"):
                chosen = st.selectbox(t("auth_login", lang), logins, key="admin_state_login")
                disable_it = st.form_submit_button(t("admin_disable", lang))
                enable_it = st.form_submit_button(t("admin_enable", lang))
            if disable_it or enable_it:
                if chosen == user.login and disable_it:
                    st.error(t("admin_not_self", lang))
                else:
                    (users.disable if disable_it else users.enable)(db, chosen, by=user.login, via="app")
                    changed(t("admin_done", lang, login=chosen))
        with right:
            with st.form("admin_password_form", clear_on_submit=True):
                chosen = st.selectbox(t("auth_login", lang), logins, key="admin_password_login")
                first = st.text_input(t("admin_new_password", lang), type="password", key="admin_reset_1")
                second = st.text_input(t("admin_repeat_password", lang), type="password", key="admin_reset_2")
                reset = st.form_submit_button(t("admin_reset", lang))
            if reset:
                if first != second:
                    st.error(t("admin_passwords_differ", lang))
                else:
                    try:
                        users.set_password(db, chosen, first, by=user.login, via="app")
                        changed(t("admin_done", lang, login=chosen))
                    except users.UserError as error:
                        st.error(str(error))

with audit_tab:
    if not access.can(user, access.READ_AUDIT):
        st.info(t("admin_not_allowed", lang))
        st.stop()
    today = pd.Timestamp(opstore.now()).date()      # the store's clock: Asia/Shanghai
    c1, c2, c3, c4, c5 = st.columns(5)
    since = c1.date_input(t("admin_since", lang), today - dt.timedelta(days=7), key="audit_since")
    until = c2.date_input(t("admin_until", lang), today, key="audit_until")
    who = c3.text_input(t("auth_login", lang), key="audit_login")
    events = c4.multiselect(t("admin_event", lang), list(audit.EVENTS), key="audit_events")
    outcome = c5.selectbox(t("admin_outcome", lang), ["", *audit.OUTCOMES], key="audit_outcome")
    filters = {"login": who.strip() or None, "event": events or None, "since": pd.Timestamp(since),
               "until": pd.Timestamp(until) + pd.Timedelta(days=1), "outcome": outcome or None}
    log = audit.entries(db, limit=None, **filters)
    shown = log.assign(details=[", ".join(f"{k}={v}" for k, v in d.items()) for d in log["details"]])
    st.caption(t("admin_audit_rows", lang, rows=f"{len(log):,}"))
    st.dataframe(shown.head(int(settings.current()["display_row_limit"].value)), hide_index=True, width="stretch")

    def exported() -> None:
        audit.record(db, audit.AUDIT_EXPORTED, user=user, object="audit_log", scope=audit.CITY,
                     details={"rows": len(log), "filters": {k: str(v) for k, v in filters.items() if v is not None}})

    st.download_button(f"⬇ {t('download_csv', lang)}", data=csv_bytes(shown),
                       file_name=f"audit_log_{since:%Y%m%d}-{until:%Y%m%d}.csv", mime="text/csv",
                       key="audit_csv", on_click=exported)
