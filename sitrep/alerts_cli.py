"""`python -m sitrep alerts ...`: the follow-through alerts (sitrep/alerts.py) from a terminal, with
the same code as the pages.

    python -m sitrep alerts                                   # open alerts now, worst first
    python -m sitrep alerts --as-of "2022-07-24 18:00" --status overdue --format csv
    python -m sitrep alerts --district 500105 --status all --format json
    python -m sitrep alerts ack 12 --note "已组织调度" --by zhang.san
    python -m sitrep alerts act 12 --action "从渝北区调入 120 间" --by zhang.san
    python -m sitrep alerts close 12 --reason "已核实为重复上报" --by zhang.san
    python -m sitrep alerts history 12
    python -m sitrep alerts sync [--as-of T]                  # open/close from the data (what the app's watcher does)

`--by` names a Sitrep account: its role and districts or unit decide whether it may act on the
alert (sitrep.alerts.may_act); every action is in the audit log.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from sitrep.cli_common import DEFAULT_DB_HELP, as_of, connect_read, existing_database

LIST_COLUMNS = ["alert_id", "rule_id", "district_code", "round_id", "status", "overdue_minutes", "opened_at",
                "ack_due", "owner", "acting_unit", "action", "closed_at", "close_reason"]


def _moment(args):
    con = connect_read(args.db)
    try:
        return as_of(con, getattr(args, "as_of", None))
    finally:
        con.close()


def _list(args) -> int:
    from sitrep import alerts

    db = existing_database(args.db)
    moment = _moment(args)
    frame = alerts.states(db, moment)
    if args.status == "open":
        frame = frame[frame["status"] != alerts.DONE]
    elif args.status == "overdue":
        frame = frame[frame["overdue"]]
    elif args.status != "all":
        frame = frame[frame["status"] == args.status]
    if args.district:
        frame = frame[frame["district_code"] == args.district]
    frame = alerts.ranked(frame)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=1) + "\n")
    else:
        print(f"# alerts at {moment:%Y-%m-%d %H:%M} · {args.status} · {len(frame)}")
        shown = frame[LIST_COLUMNS].copy()
        for column in ("opened_at", "ack_due", "closed_at"):
            shown[column] = pd.to_datetime(shown[column]).dt.strftime("%m-%d %H:%M").fillna("")
        shown["overdue_minutes"] = shown["overdue_minutes"].round().astype(int)
        print(shown.to_string(index=False) if len(shown) else "(none)")
    return 0


def _user(db, login: str):
    from sitrep import users

    user = users.user(db, login)
    if user is None:
        raise SystemExit(f"--by {login}: no enabled Sitrep account of that name (python -m sitrep user list)")
    return user


def _acting(kind: str):
    def act(args) -> int:
        from sitrep import alerts

        db = existing_database(args.db)
        user = _user(db, args.by)
        text = {"ack": args.__dict__.get("note"), "act": args.__dict__.get("action"),
                "close": args.__dict__.get("reason")}[kind]
        function = {"ack": alerts.acknowledge, "act": alerts.record_action, "close": alerts.close}[kind]
        try:
            function(db, args.alert_id, user, text)
        except alerts.AlertError as error:
            raise SystemExit(f"alert {args.alert_id}: {error}; nothing was done")
        state = alerts.states(db, alerts.clock(db))
        row = state[state["alert_id"] == args.alert_id].iloc[0]
        print(f"alert {args.alert_id} {row['rule_id']} {row['district_code'] or 'city'}: {row['status']} "
              f"(by {user.login})")
        return 0
    return act


def _history(args) -> int:
    from sitrep import alerts

    frame = alerts.history(existing_database(args.db), args.alert_id)
    if frame.empty:
        raise SystemExit(f"no alert {args.alert_id}")
    print(frame.to_string(index=False))
    return 0


def _sync(args) -> int:
    from sitrep import alerts
    from sitrep.redlist import red_list

    db = existing_database(args.db)
    con = connect_read(args.db)
    try:
        moment = as_of(con, args.as_of)
        items = red_list(con, moment)
    finally:
        con.close()
    done = alerts.sync(db, items, moment)
    print(f"alerts at {moment:%Y-%m-%d %H:%M}: " + ", ".join(f"{k} {v}" for k, v in done.items()))
    return 0


def add_parser(sub) -> None:
    from sitrep import alerts

    parser = sub.add_parser("alerts", help="follow-through alerts: list, acknowledge, act, close (督办)")
    parser.add_argument("--db", help=DEFAULT_DB_HELP)
    parser.add_argument("--as-of", help="the moment (default: the newest data)")
    parser.add_argument("--status", default="open", choices=["open", "overdue", "all", *alerts.STATUSES])
    parser.add_argument("--district", help="one district code")
    parser.add_argument("--format", default="table", choices=["table", "csv", "json"])
    parser.set_defaults(func=_list)
    actions = parser.add_subparsers(dest="alerts_command", required=False)
    for kind, field, words in (("ack", "note", "acknowledge: a note"), ("act", "action", "record the action taken"),
                               ("close", "reason", "close by hand: the reason")):
        one = actions.add_parser(kind, help=words)
        one.add_argument("alert_id", type=int)
        one.add_argument(f"--{field}", required=True)
        one.add_argument("--by", required=True, help="the Sitrep account acting")
        one.add_argument("--db", help=DEFAULT_DB_HELP, default=argparse.SUPPRESS)
        one.set_defaults(func=_acting(kind))
    past = actions.add_parser("history", help="one alert's events")
    past.add_argument("alert_id", type=int)
    past.add_argument("--db", help=DEFAULT_DB_HELP, default=argparse.SUPPRESS)
    past.set_defaults(func=_history)
    sync = actions.add_parser("sync", help="open, mark and close alerts from the data at a moment")
    sync.add_argument("--db", help=DEFAULT_DB_HELP, default=argparse.SUPPRESS)
    sync.add_argument("--as-of", help="the moment (default: the newest data)", default=argparse.SUPPRESS)
    sync.set_defaults(func=_sync)

