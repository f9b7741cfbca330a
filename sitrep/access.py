"""Who may do what, and where: the role table (issue 12). Every page, button, CLI command and CSV
asks `can(user, PERMISSION)` and reads the user's `scope`; nothing else decides access.

A role grants permissions; a user has one role, and districts when the role is district-bound.
City-wide roles see all 38 units; a district officer sees only the districts on their account
(their scope), and even the "city" totals they are shown are their scope's total.

Pure: no Streamlit here (sitrep/ui/ reads the session and calls this).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Permissions: what a button, page, command or download needs.
VIEW_DATA = "view_data"                  # pages, red list, metrics, drill-throughs (masked personal data)
EXPORT = "export"                        # CSV downloads and `sitrep export`
IMPORT_DATA = "import_data"              # the Data page's upload, `sitrep import`, the watched folder
ISSUE_BRIEFING = "issue_briefing"        # issue the daily briefing / 2-hour bulletin under one's own name
REVEAL_PERSONAL = "reveal_personal"      # unmask names, ID numbers, phones of a list, with a reason (audited)
ACT_ON_ALERTS = "act_on_alerts"          # acknowledge, record action, close (follow-through, issue 14)
MANAGE_USERS = "manage_users"            # add, disable, reset passwords
MANAGE_SETTINGS = "manage_settings"
READ_AUDIT = "read_audit"                # the audit log page and its export

PERMISSIONS = (VIEW_DATA, EXPORT, IMPORT_DATA, ISSUE_BRIEFING, REVEAL_PERSONAL, ACT_ON_ALERTS,
               MANAGE_USERS, MANAGE_SETTINGS, READ_AUDIT)


@dataclass(frozen=True)
class Role:
    name: str
    zh: str
    en: str
    permissions: frozenset[str]
    district_bound: bool                 # True: sees only the user's districts; False: the whole city
    note_zh: str
    note_en: str


def _role(name, zh, en, permissions, district_bound, note_zh, note_en) -> Role:
    unknown = set(permissions) - set(PERMISSIONS)
    if unknown:
        raise ValueError(f"role {name}: unknown permissions {sorted(unknown)}")
    return Role(name, zh, en, frozenset(permissions), district_bound, note_zh, note_en)


# The role table: the one place that says what each role may do.
ROLES: dict[str, Role] = {r.name: r for r in (
    _role("leadership", "指挥部领导", "leadership", {VIEW_DATA}, False,
          "全市只读：红色事项、地图、简报", "read, whole city: red items, map, briefings"),
    _role("duty_officer", "值班员", "duty officer", {VIEW_DATA, EXPORT, IMPORT_DATA, ISSUE_BRIEFING}, False,
          "全市：导入数据、签发简报、导出", "whole city: import data, issue briefings, export"),
    _role("district_officer", "区县专班人员", "district officer", {VIEW_DATA, REVEAL_PERSONAL, ACT_ON_ALERTS}, True,
          "仅本人所辖区县：查看、处置督办事项、说明理由后查看本辖区个人信息",
          "own districts only: read, act on their alerts, reveal their district's personal data with a reason"),
    _role("unit_officer", "责任单位人员", "responsible-unit officer", {VIEW_DATA, ACT_ON_ALERTS}, False,
          "全市只读；处置本单位负责的督办事项（如市指挥部综合办的跨区调度）",
          "read, whole city; act on the alerts their unit is responsible for (e.g. dispatch across districts)"),
    _role("analyst", "数据分析员", "analyst", {VIEW_DATA, EXPORT}, False,
          "全市只读与导出，不含个人信息", "read and export, whole city, no personal data"),
    _role("admin", "系统管理员", "administrator", {MANAGE_USERS, MANAGE_SETTINGS, READ_AUDIT}, False,
          "用户、设置与审计日志；默认不看业务数据", "users, settings and the audit log; no data by default"),
)}


@dataclass(frozen=True)
class User:
    login: str
    role: str
    districts: tuple[str, ...] = ()      # district codes; required for a district-bound role
    unit: str = ""                       # responsible unit (责任单位), e.g. 江北区疫情防控领导小组
    display_name: str = ""
    demo: bool = False                   # a demo account of the demo database: every page says so
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")
        if ROLES[self.role].district_bound and not self.districts:
            raise ValueError(f"a {self.role} account needs at least one district")


def can(user: User | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return user is not None and permission in ROLES[user.role].permissions


def scope(user: User) -> tuple[str, ...] | None:
    """The districts the user's queries are bound to; None: the whole city."""
    return tuple(sorted(user.districts)) if ROLES[user.role].district_bound else None


def in_scope(user: User, district_code: str | None) -> bool:
    allowed = scope(user)
    return allowed is None or district_code is None or district_code in allowed


class AccessDenied(PermissionError):
    """A user asked for something their role or districts do not allow; the message says which."""
