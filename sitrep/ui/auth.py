"""Streamlit glue, who is logged in (issue 12): every page run starts here (app.py).

`resolve_user()` says who this run is for, without drawing anything, from (in this order):

1. the reverse proxy's identity header, when settings.toml names one (`proxy_user_header`) and
   Streamlit listens on localhost only (so nothing but the proxy can reach it);
2. a session of the operational store (sitrep/sessions.py), found by the token this Streamlit
   session holds, else by the browser's HttpOnly cookie (sitrep/ui/session_routes.py): a refresh
   keeps the login, an idle or old session, a logout or a disabled account ends it;
3. single sign-on: Streamlit's `st.login` (OpenID Connect, `.streamlit/secrets.toml` [auth]); the
   identity's e-mail, else its subject, must be the login of an enabled account in Sitrep's own
   table, which gives role and districts. Its sessions are store rows too (idle and age limits).

Roles and districts always come from the user table (sitrep/users.py), whatever the way in.
`login_page()` is the one page a visitor who is nobody yet can open: the local login form, the
single sign-on button, or the reason they are refused; and, on a database with no account at
all, how to create the first one (a real database never gets a default password).

Tests log in the way a browser does: a session opened in the store of the test's database and its
token given to the Streamlit session (`tests/login.py`). Nothing here reads an environment
variable or a URL parameter that could stand in for a session.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from sitrep import access, audit, database_path, sessions, settings, users
from sitrep.i18n import t
from sitrep.ui import session_routes
from sitrep.ui.data import session_user

SESSION_KEY = "sitrep_session_token"     # session_state: the store session this Streamlit session is logged in with
SSO_COOKIE = "_streamlit_user"           # Streamlit's signed identity cookie after st.login
LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "::1")
_ENDED_WORDS = {"idle": "auth_ended_idle", "expired": "auth_ended_expired", "disabled": "auth_ended_disabled"}


def _state():
    return st.session_state


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answering False
        return False


def _proxy_header() -> str:
    return str(settings.current()["proxy_user_header"].value or "").strip()


def _listening_locally() -> bool:
    return str(st.get_option("server.address") or "") in LOCAL_ADDRESSES


def _refuse(reason_key: str, **values) -> None:
    _state()["auth_refused"] = (reason_key, values)


def _audit_once(key: str, event: str, **fields) -> None:
    """An event of this Streamlit session written once, not at every rerun."""
    seen = _state().setdefault("audited_once", set())
    if key not in seen:
        seen.add(key)
        audit.record(database_path(), event, **fields)


def _proxy_user(header: str) -> access.User | None:
    db = database_path()
    if not _listening_locally():
        _refuse("auth_proxy_not_local", header=header)
        return None
    login = (st.context.headers.get(header) or "").strip()
    if not login:
        _refuse("auth_proxy_no_identity", header=header)
        return None
    user = users.user(db, login)
    if user is None:
        _refuse("auth_no_account", identity=login)
        _audit_once(f"refused:{login}", audit.LOGIN_REFUSED, user=login, object=login, outcome=audit.REFUSED,
                    via="proxy", details={"header": header, "reason": _why_not(db, login)})
        return None
    _audit_once(f"login:{login}", audit.LOGIN, user=user, object=user.login, via="proxy",
                details={"kind": "proxy", "header": header})
    return user


def _why_not(db, login: str) -> str:
    try:
        return "disabled" if users.account(db, login).disabled else "unknown"
    except users.UserError:
        return "unknown"


def _sso_user() -> access.User | None:
    db = database_path()
    info = st.user
    candidates = [str(v).strip().lower() for v in (info.get("email"), info.get("sub")) if v]
    identity = candidates[0] if candidates else "?"
    user = next((u for u in (users.user(db, c) for c in candidates) if u is not None), None)
    if user is None:
        _refuse("auth_no_account", identity=identity)
        _audit_once(f"refused:{identity}", audit.LOGIN_REFUSED, user=identity, object=identity,
                    outcome=audit.REFUSED, via="sso",
                    details={"email": info.get("email"), "sub": info.get("sub"), "reason": _why_not(db, identity)})
        return None
    cookie = st.context.cookies.get(SSO_COOKIE)
    # One store session per Streamlit identity cookie, so a refresh finds it and idle time applies.
    token = "sso:" + hashlib.sha256(cookie.encode()).hexdigest() if cookie else _state().get(SESSION_KEY)
    if token and sessions.known(db, token):
        resumed, why = sessions.resume(db, token)
        if resumed is None:
            _state()["auth_ended"] = why
            _state()["sso_logout"] = True   # the identity cookie outlived the session: drop it
            return None
        _state()[SESSION_KEY] = token
        return resumed
    token = sessions.start(db, user, "sso", token=token or "sso:" + sessions.new_token())
    _state()[SESSION_KEY] = token
    audit.record(db, audit.LOGIN, user=user, object=user.login, via="sso",
                 details={"kind": "sso", "email": info.get("email"), "sub": info.get("sub")})
    return user


def resolve_user() -> access.User | None:
    """Who this run is for, or None (then app.py shows only `login_page`). Draws nothing."""
    from sitrep.ui.data import give_demo_accounts

    state = _state()
    state.pop("auth_refused", None)
    give_demo_accounts(database_path())    # a demo database built before accounts existed: before any lookup
    header = _proxy_header()
    if header:
        return _proxy_user(header)
    db = database_path()
    for token in (state.get(SESSION_KEY), st.context.cookies.get(session_routes.COOKIE)):
        if token and not token.startswith("sso:"):
            user, why = sessions.resume(db, token)
            if user is not None:
                state[SESSION_KEY] = token
                return user
            if why in _ENDED_WORDS:
                state["auth_ended"] = why
            if state.get(SESSION_KEY) == token:
                del state[SESSION_KEY]
    if sso_configured() and st.user.is_logged_in:
        return _sso_user()
    return None


def current_user() -> access.User:
    """The user app.py resolved for this run (pages call this; `ui.current_user()`). On a fresh
    server whose first request is a page link, Streamlit runs that page alone, before app.py:
    go through app.py (and its login) first, as ui.current_view does."""
    state = _state()
    if session_user() is None:
        import inspect
        from pathlib import Path

        from sitrep import PROJECT_ROOT

        caller = Path(inspect.stack()[1].filename).resolve()
        state["return_to"] = str(caller.relative_to(PROJECT_ROOT))
        st.switch_page("app.py")
    return state["user"]


def _redirect(url: str) -> None:
    """Send the browser to `url` (as st.login does), then stop this run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        message = ForwardMsg()
        message.auth_redirect.url = url
        ctx.enqueue(message)
    st.stop()


def _base() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def _after_login(token: str, page: str) -> None:
    """Give the browser the session's cookie through /session/start when this process serves it;
    else the login lasts as long as this Streamlit session (`streamlit run app.py`, tests)."""
    _state()[SESSION_KEY] = token
    if session_routes.INSTALLED:
        code = session_routes.hand_off(token, st.context.cookies.get(session_routes.XSRF_COOKIE))
        _redirect(f"{_base()}{session_routes.START_PATH.lstrip('/')}?code={code}&next={page}")
    st.rerun()


def _requested_page() -> str:
    """The page whose address the visitor opened (app.py keeps it): where the login goes on to."""
    page = str(_state().get("login_next") or "")
    return page if session_routes.PAGE.match(page) else ""


def login_page() -> None:
    """The page of a visitor who is not logged in: form, single sign-on, refusal, or first account."""
    from sitrep.ui.data import ensure_database

    lang = _lang()
    state = _state()
    st.title(t("app_title", lang))
    accounts = users.count(database_path())
    db = ensure_database()              # the first start builds the demo database and its demo accounts
    if users.count(db) != accounts:     # accounts just came: resolve the visitor again (a proxy's header)
        st.rerun()
    refused = state.get("auth_refused")
    if state.pop("sso_logout", False):
        st.logout()
    if refused is not None:
        key, values = refused
        st.error(t(key, lang, **values))
        if sso_configured() and st.user.is_logged_in:
            if st.button(t("auth_logout", lang), key="refused_logout"):
                st.logout()
        st.stop()
    ended = state.pop("auth_ended", None)
    if ended in _ENDED_WORDS:
        st.info(t(_ENDED_WORDS[ended], lang))
    if users.count(db) == 0:
        st.warning(t("auth_no_accounts", lang))
        st.code("python -m sitrep user add LOGIN --role admin\n"
                "python -m sitrep user add LOGIN --role duty_officer", language="bash")
    if sso_configured():
        if st.button(t("auth_sso", lang), type="primary", key="sso_login"):
            st.login()
    with st.form("login_form"):
        login = st.text_input(t("auth_login", lang), key="login_name", autocomplete="username")
        password = st.text_input(t("auth_password", lang), type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("auth_sign_in", lang), type="secondary" if sso_configured() else "primary")
    if submitted:
        try:
            user = users.verify_login(db, login, password, via="app")
        except users.LoginFailed as failed:
            if failed.reason == "locked":
                st.error(t("auth_locked", lang, until=failed.until))
            else:
                st.error(t("auth_bad_credentials", lang))
            return
        _after_login(sessions.start(db, user, "password"), _requested_page())


def _lang() -> str:
    from sitrep.ui.view_state import chosen_language

    return chosen_language()


def logout(user: access.User) -> None:
    """End this login: the store session (everywhere), the cookie, and for single sign-on Streamlit's identity."""
    db = database_path()
    state = _state()
    token = state.pop(SESSION_KEY, None)
    state.pop("user", None)
    ended = sessions.end(db, token, "logout")
    kind = "sso" if token and token.startswith("sso:") else "password"
    if ended or kind == "sso":
        audit.record(db, audit.LOGOUT, user=user, object=user.login, via="sso" if kind == "sso" else "app")
    if kind == "sso" and sso_configured() and st.user.is_logged_in:
        st.logout()
        st.stop()
    if session_routes.INSTALLED:
        _redirect(f"{_base()}{session_routes.END_PATH.lstrip('/')}")
    st.rerun()


def sidebar(user: access.User, lang: str) -> None:
    """Who is logged in, with which role and districts, a demo mark, and logout."""
    role = access.ROLES[user.role]
    with st.sidebar:
        name = user.display_name or user.login
        st.markdown(f"**{name}** · {role.zh if lang == 'zh' else role.en}")
        where = ", ".join(user.districts) if access.scope(user) is not None else t("whole_city", lang)
        st.text(f"{user.login} · {where}" + (f" · {user.unit}" if user.unit else ""))   # text: no e-mail link
        if user.demo:
            st.badge(t("auth_demo_account", lang), color="orange")
        if _proxy_header():
            st.caption(t("auth_via_proxy", lang))
        elif st.button(t("auth_logout", lang), key="logout"):
            logout(user)


def demo_mark(user: access.User, lang: str) -> None:
    """Above every page of a demo account: the data and the account are for demonstration."""
    if user.demo:
        st.badge(t("auth_demo_banner", lang), color="orange")
