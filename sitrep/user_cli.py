"""`python -m sitrep user ...`: manage the accounts of the store beside a database (sitrep/users.py).

    python -m sitrep user add zhang.san --role district_officer --district 500105 --unit 江北区疫情防控领导小组 --name 张三
    python -m sitrep user add ops@wjw.cq.gov.cn --role admin --no-password      # single sign-on only
    python -m sitrep user passwd zhang.san          # asks twice on a terminal; or --password-stdin
    python -m sitrep user disable zhang.san
    python -m sitrep user list

Every change is in the audit log with the operating-system user who ran the command as the actor.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sitrep import access, database_path
from sitrep.cli_common import DEFAULT_DB_HELP


def actor() -> str:
    """Who runs the command: the operating-system user (the audit log's actor of every CLI change)."""
    return getpass.getuser()


def _db(args) -> Path:
    return Path(args.db) if args.db else database_path()


def _password(args, login: str) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask for the password on: pipe it with --password-stdin "
                         "(or --no-password for a single sign-on account)")
    first = getpass.getpass(f"password for {login} 密码: ")
    second = getpass.getpass("again 再输入一次: ")
    if first != second:
        raise SystemExit("the two passwords differ 两次输入的密码不一致; nothing changed")
    return first


def _add(args) -> int:
    from sitrep import users

    if args.no_password and args.password_stdin:
        raise SystemExit("--no-password and --password-stdin exclude each other")
    login = users.normal_login(args.login)
    password = None if args.no_password else _password(args, login)
    user = users.add_user(_db(args), login, args.role, districts=args.district or (), unit=args.unit or "",
                          display_name=args.name or "", password=password, by=actor(), via="cli")
    where = ",".join(user.districts) or "whole city 全市"
    print(f"added 已添加 {user.login}: {access.ROLES[user.role].zh} {user.role} ({where})"
          + ("" if password is not None else "; no password: single sign-on or proxy only 仅统一身份认证"))
    return 0


def _passwd(args) -> int:
    from sitrep import users

    login = users.normal_login(args.login)
    users.account(_db(args), login)           # says "no account" before asking for a password
    users.set_password(_db(args), login, _password(args, login), by=actor(), via="cli")
    print(f"password set 密码已设置: {login} (any lock lifted 已解除锁定)")
    return 0


def _disable(args) -> int:
    from sitrep import users

    users.disable(_db(args), args.login, by=actor(), via="cli")
    print(f"disabled 已停用: {users.normal_login(args.login)}")
    return 0


def _enable(args) -> int:
    from sitrep import users

    users.enable(_db(args), args.login, by=actor(), via="cli")
    print(f"enabled 已启用: {users.normal_login(args.login)}")
    return 0


def _list(args) -> int:
    from sitrep import users

    accounts = users.list_users(_db(args))
    if not accounts:
        print("no accounts 尚无账号: add one with `python -m sitrep user add LOGIN --role admin`")
        return 0
    print(f"{'login':28s} {'role':17s} {'districts':14s} {'password':8s} {'state':9s} {'demo':4s} unit / name")
    for a in accounts:
        state = "disabled" if a.disabled else "locked" if a.locked_until and a.locked_until > _now() else "active"
        print(f"{a.login:28s} {a.role:17s} {','.join(a.districts) or 'city':14s} "
              f"{'yes' if a.has_password else 'sso':8s} {state:9s} {'demo' if a.demo else '':4s} "
              f"{' / '.join(x for x in (a.unit, a.display_name) if x)}")
    return 0


def _now() -> str:
    from sitrep import opstore

    return opstore.now()


def run(args) -> int:
    from sitrep.users import UserError

    try:
        return args.user_func(args)
    except UserError as error:
        print(f"user {args.user_command}: {error}", file=sys.stderr)
        return 2


def add_parser(sub) -> None:
    """`python -m sitrep user`, registered by sitrep.cli."""
    user = sub.add_parser("user", help="add, change the password of, disable and list accounts",
                          description="Accounts of the operational store beside the database. Every change is "
                                      "audited with the operating-system user as the actor.")
    user.set_defaults(func=run)
    commands = user.add_subparsers(dest="user_command", required=True)

    def command(name: str, func, help: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help)
        parser.add_argument("--db", help=f"database whose store holds the accounts ({DEFAULT_DB_HELP})")
        parser.set_defaults(user_func=func)
        return parser

    add = command("add", _add, "add an account")
    add.add_argument("login", help="login, lower case (a name, or the e-mail single sign-on gives)")
    add.add_argument("--role", required=True, choices=list(access.ROLES))
    add.add_argument("--district", action="append", metavar="CODE",
                     help="a district code the account covers (district_officer; repeat for several)")
    add.add_argument("--unit", help="responsible unit 责任单位")
    add.add_argument("--name", help="display name 姓名")
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    add.add_argument("--no-password", action="store_true",
                     help="no local password: the account logs in through single sign-on or the proxy only")

    passwd = command("passwd", _passwd, "set or reset a password (lifts a lock)")
    passwd.add_argument("login")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")

    command("disable", _disable, "disable an account (its sessions end)").add_argument("login")
    command("enable", _enable, "enable a disabled account again").add_argument("login")
    command("list", _list, "list the accounts")
