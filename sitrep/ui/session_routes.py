"""Streamlit glue, the two HTTP routes that give a local login a cookie (issue 12).

Streamlit keeps nothing across a page refresh (each load is a new session) and its Python code
cannot set a cookie: a cookie needs an HTTP response. So the app is served as an `st.App`
(serve.py, what scripts/run-app starts) with two routes of its own beside Streamlit's:

- `GET /session/start?code=...&next=PAGE`: after the login form (sitrep/ui/auth.py) has checked
  the password and opened a session in the store, it sends the browser here with a one-time code
  (random, 60 s, single use, held in this process's memory only, and bound to the browser's
  `_streamlit_xsrf` cookie, so a code sent to somebody else's browser is worthless). The route
  swaps the code for the session's token in an HttpOnly, SameSite=Strict cookie (Secure over
  HTTPS) and sends the browser back to the page. Each later page load reads the cookie
  (st.context.cookies) and resumes the session from the store, which alone decides whether it is
  still open (idle time, maximum age, logout, account disabled).
- `GET /session/end`: ends the cookie's session in the store (logout) and deletes the cookie.

The raw token never appears in a URL, a log or the store (the store keeps its SHA-256).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "sitrep_session"
START_PATH = "/session/start"
END_PATH = "/session/end"
HANDOFF_SECONDS = 60
XSRF_COOKIE = "_streamlit_xsrf"
PAGE = re.compile(r"^[a-z_]{0,40}$")       # where /session/start may send the browser back to: a page of the app

INSTALLED = False                           # set by routes(): this process serves the routes (serve.py)


@dataclass(frozen=True)
class _Handoff:
    token: str
    browser: str | None
    until: float


_handoffs: dict[str, _Handoff] = {}
_lock = threading.Lock()


def browser_key(xsrf_cookie: str | None) -> str | None:
    """A digest of the browser's XSRF token (the cookie's value is re-masked on every page load;
    the token under the mask stays), or None when there is no such cookie."""
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

    token, _ = decode_xsrf_token_string(xsrf_cookie or "")
    return hashlib.sha256(token).hexdigest() if token else None


def hand_off(token: str, xsrf_cookie: str | None) -> str:
    """A one-time code that /session/start swaps for `token`, in the browser with this XSRF cookie only."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, h in _handoffs.items() if h.until < now]:
            del _handoffs[stale]
        _handoffs[code] = _Handoff(token, browser_key(xsrf_cookie), now + HANDOFF_SECONDS)
    return code


def _take(code: str | None) -> _Handoff | None:
    if not code:
        return None
    with _lock:
        handoff = _handoffs.pop(code, None)
    return handoff if handoff is not None and handoff.until >= time.monotonic() else None


def _base() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def _secure(request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


async def _start(request):
    from starlette.responses import RedirectResponse

    handoff = _take(request.query_params.get("code"))
    page = request.query_params.get("next", "")
    page = page if PAGE.match(page) else ""
    response = RedirectResponse(_base() + page, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if handoff is None or handoff.browser != browser_key(request.cookies.get(XSRF_COOKIE)):
        return response                     # no cookie: the app shows the login form again
    response.set_cookie(COOKIE, handoff.token, httponly=True, samesite="strict", secure=_secure(request),
                        path=_base().rstrip("/") or "/")
    return response


async def _end(request):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    from sitrep import audit, database_path, sessions

    token = request.cookies.get(COOKIE)
    if token:
        login = await run_in_threadpool(sessions.end, database_path(), token, "logout")
        if login:                               # not already ended by the app's logout button
            await run_in_threadpool(audit.record, database_path(), audit.LOGOUT, user=login, object=login)
    response = RedirectResponse(_base(), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(COOKIE, path=_base().rstrip("/") or "/", httponly=True, samesite="strict")
    return response


def routes() -> list:
    """The routes serve.py gives st.App; marks this process as serving them."""
    global INSTALLED
    from starlette.routing import Route

    INSTALLED = True
    base = _base().rstrip("/")
    return [Route(base + START_PATH, _start, methods=["GET"]), Route(base + END_PATH, _end, methods=["GET"])]
