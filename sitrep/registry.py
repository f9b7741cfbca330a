"""The metric registry (metrics.toml): one definition per rulebook id, read by every page,
the red list, the briefing and CSV headers; and the headline numbers ([headline.*]).

What a metric is called, what it counts (numerator, denominator), its columns' labels and units
and how its threshold reads come from here only. Prose that states a threshold names its setting
as a placeholder (`{room_usage_trigger}`); `metrics()` and `headlines()` return the prose filled
with the settings in force (sitrep.settings.current()), `templates()` the text as written.

Each flagging rule also says who must act ([responsible_unit.*] and the entry's `responsible`, `tasks`,
`acting`, `severity`, `action_zh`/`action_en`, `ack_deadline`): checked here, so that a rule without a
responsible unit, a task number outside the plan's 1-80 or an unknown deadline setting is refused.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache

from sitrep import PROJECT_ROOT
from sitrep import settings as settings_module

REGISTRY_FILE = PROJECT_ROOT / "metrics.toml"
UNITS = {"share", "count", "hours", "days", "per_10k", "rooms"}
COLUMN_UNITS = UNITS | {"minutes", "time", "date", "flag"}
GOOD_DIRECTIONS = {"up", "down", "none"}
HEADLINE_TABLE = "headline"
UNITS_TABLE = "responsible_unit"
PLAN_TASKS = range(1, 81)      # notice 003's task plan numbers its tasks 1 to 80
DISTRICT_GROUPS = "district_groups"   # the unit whose per-district name is the district's own group
TIMELINESS_QUERY = "metrics/timeliness"


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    unit: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class ResponsibleUnit:
    """A responsible unit (责任单位) as the notices name it ([responsible_unit.*] of metrics.toml)."""
    key: str
    zh: str
    en: str
    per_district_zh: str = ""   # one district's own unit, "{district}疫情防控领导小组"; "" = a city body
    per_district_en: str = ""
    also_zh: tuple[str, ...] = ()   # other spellings a notice uses for it

    def name(self, lang: str, district: str | None = None) -> str:
        """Its name; for a district-level unit and a district's name, that district's own unit."""
        template = self.per_district_zh if lang == "zh" else self.per_district_en
        if district and template:
            return template.format(district=district)
        return self.zh if lang == "zh" else self.en


def join_names(names, lang: str) -> str:
    return ("、" if lang == "zh" else "; ").join(names)


@dataclass(frozen=True)
class Metric:
    id: str
    name_zh: str
    name_en: str
    section: str
    definition_en: str
    definition_zh: str
    numerator: str
    numerator_zh: str
    denominator: str
    denominator_zh: str
    window: str         # a setting name (timeliness_window_hours), or prose
    window_zh: str
    unit: str
    threshold: str      # a setting name in settings.toml, or "" when the rule has no number
    red_when: str       # "" for metrics that are shown, not flagged
    red_when_zh: str
    good: str
    source: str
    query: str
    page: str
    detail: str         # drill-through query listing the rows behind the number, or ""
    columns: dict[str, Column] = field(default_factory=dict)   # the labels of its own columns
    # Who must act, for a flagging rule (empty for the others); see the comment above
    # [responsible_unit.*] in metrics.toml.
    responsible: tuple[ResponsibleUnit, ...] = ()   # the task's responsible units, lead first
    tasks: tuple[int, ...] = ()       # notice 003's task numbers they come from
    responsible_notice: str = ""      # the notice item naming them where the task plan does not ("001 一(三)")
    acting: tuple[ResponsibleUnit, ...] = ()        # who acts on a red row
    severity: int = 0                 # 1 = most severe; 0 for a rule that does not flag
    action_zh: str = ""
    action_en: str = ""
    ack_deadline: str = ""            # the setting holding the acknowledgement deadline, in minutes

    @property
    def flags_red(self) -> bool:
        return bool(self.red_when)

    def responsible_names(self, lang: str) -> str:
        """The responsible units as the notice names them, lead first."""
        return join_names((u.name(lang) for u in self.responsible), lang)

    def acting_names(self, lang: str, district: str | None = None) -> str:
        """Who acts on a red row of `district` (its name; None for the city row)."""
        return join_names((u.name(lang, district) for u in self.acting), lang)

    @property
    def responsibility_source(self) -> str:
        """Where the responsible units are named: "003 #57", or the notice item for a rule outside the plan."""
        return self.responsible_notice or "003 " + ", ".join(f"#{n}" for n in self.tasks)

    def action(self, lang: str) -> str:
        return self.action_zh if lang == "zh" else self.action_en


@dataclass(frozen=True)
class Headline:
    key: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    metric: str         # the rule it follows, cited beside it
    query: str          # "" = the metric's own query
    column: str
    unit: str
    good: str
    detail: str         # the drill-through query behind the card, or ""
    detail_where: dict  # column -> value the drill-through rows are filtered on
    overview: bool
    briefing: bool
    card_zh: str = ""   # the label on the overview's card where the name is too long for one ("" = the name)
    card_en: str = ""

    def card(self, lang: str) -> str:
        """The label of its overview card."""
        short = self.card_zh if lang == "zh" else self.card_en
        return short or (self.name_zh if lang == "zh" else self.name_en)


# Prose fields: filled with the settings in force.
METRIC_PROSE = ("name_zh", "name_en", "definition_en", "definition_zh", "numerator", "numerator_zh",
                "denominator", "denominator_zh", "red_when", "red_when_zh", "action_zh", "action_en")
HEADLINE_PROSE = ("name_zh", "name_en", "definition_zh", "definition_en", "card_zh", "card_en")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def setting_words(name: str, lang: str, settings: dict | None = None, value=None) -> str:
    """A setting's number as prose says it: 75%, 8, 3,000 (en) / 3000 (zh). `value` reads another
    value of the setting (a snapshot's) in the setting's unit."""
    documented = settings or settings_module.current()
    if name not in documented:
        raise KeyError(f"placeholder {{{name}}} names no setting in settings.toml")
    setting = documented[name]
    value = setting.value if value is None else value
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) if lang == "zh" else ", ".join(str(v) for v in value)
    if setting.unit in ("share", "staff per resident"):
        return f"{value * 100:g}%"
    if lang == "en" and abs(value) >= 1000:
        return f"{value:,g}"
    return f"{value:g}"


def _render(text: str, lang: str, settings: dict) -> str:
    names = placeholders(text)
    if not names:
        return text
    return text.format(**{n: setting_words(n, lang, settings) for n in names})


def _lang(field_name: str) -> str:
    return "zh" if field_name.endswith("_zh") or field_name == "zh" else "en"


def _check(entry: dict, names: list[str], where: str, optional: tuple = ()) -> None:
    missing = [n for n in names if n not in entry and n not in optional]
    extra = [k for k in entry if k not in names]
    if missing or extra:
        raise ValueError(f"{REGISTRY_FILE}: {where}: missing {missing}, unknown {extra}")


@lru_cache(maxsize=1)
def _raw() -> dict:
    with open(REGISTRY_FILE, "rb") as f:
        return tomllib.load(f)


RESPONSIBILITY = ("responsible", "tasks", "responsible_notice", "acting", "severity", "action_zh", "action_en",
                  "ack_deadline")


@lru_cache(maxsize=1)
def responsible_units() -> dict[str, ResponsibleUnit]:
    """The responsible units the registry's rules name ([responsible_unit.*])."""
    names = [f.name for f in fields(ResponsibleUnit) if f.name != "key"]
    out = {}
    for key, entry in _raw().get(UNITS_TABLE, {}).items():
        where = f"{UNITS_TABLE}.{key}"
        _check(entry, names, where, optional=("per_district_zh", "per_district_en", "also_zh"))
        if not (str(entry["zh"]).strip() and str(entry["en"]).strip()):
            raise ValueError(f"{REGISTRY_FILE}: {where}: zh and en must both be given")
        for lang in ("zh", "en"):
            template = entry.get(f"per_district_{lang}", "")
            if template and placeholders(template) != {"district"}:
                raise ValueError(f"{REGISTRY_FILE}: {where}: per_district_{lang} must name {{district}} and nothing else")
        if bool(entry.get("per_district_zh")) != bool(entry.get("per_district_en")):
            raise ValueError(f"{REGISTRY_FILE}: {where}: per_district_zh and per_district_en go together")
        out[key] = ResponsibleUnit(key=key, **{**entry, "also_zh": tuple(entry.get("also_zh", ()))})
    if DISTRICT_GROUPS not in out or not out[DISTRICT_GROUPS].per_district_zh:
        raise ValueError(f"{REGISTRY_FILE}: [{UNITS_TABLE}.{DISTRICT_GROUPS}] with per_district_zh/en is missing")
    return out


def _units(metric_id: str, name: str, keys) -> tuple[ResponsibleUnit, ...]:
    known = responsible_units()
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: {name} must list one or more responsible units "
                         f"(keys of [{UNITS_TABLE}.*])")
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: {name} names unknown responsible units {unknown}; "
                         f"known: {', '.join(known)}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: {name} lists a unit twice")
    return tuple(known[k] for k in keys)


def _responsibility(metric_id: str, entry: dict, flags: bool, settings: dict) -> dict:
    """The who-must-act fields of an entry, checked: every flagging rule has them all, no other rule any."""
    given = {k: entry.pop(k) for k in RESPONSIBILITY if k in entry}
    if not flags:
        if given:
            raise ValueError(f"{REGISTRY_FILE}: {metric_id}: {sorted(given)} only go with a flagging rule "
                             "(one with red_when)")
        return {}
    missing = [k for k in RESPONSIBILITY if k not in given and k != "responsible_notice"]
    if missing:
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: a flagging rule needs who must act: missing {missing}")
    tasks, notice = given["tasks"], given.get("responsible_notice", "")
    if not isinstance(tasks, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in tasks):
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: tasks must be a list of task numbers, not {tasks!r}")
    outside = [n for n in tasks if n not in PLAN_TASKS]
    if outside:
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: tasks {outside} are not in the task plan "
                         f"(notice 003 numbers its tasks {PLAN_TASKS.start}-{PLAN_TASKS.stop - 1})")
    if bool(tasks) == bool(notice):
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: give the task plan's task numbers (tasks) or, for a duty "
                         "the plan does not assign, the notice item naming the units (responsible_notice); one, not both")
    severity = given["severity"]
    if not isinstance(severity, int) or isinstance(severity, bool) or severity < 1:
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: severity must be a whole number from 1 (most severe), "
                         f"not {severity!r}")
    if not (str(given["action_zh"]).strip() and str(given["action_en"]).strip()):
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: action_zh and action_en must both say what to do")
    ack = given["ack_deadline"]
    if ack not in settings:
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: ack_deadline {ack!r} names no setting in settings.toml")
    if settings[ack].unit != "minutes":
        raise ValueError(f"{REGISTRY_FILE}: {metric_id}: ack_deadline {ack!r} must be a setting in minutes, "
                         f"not {settings[ack].unit!r}")
    return {"responsible": _units(metric_id, "responsible", given["responsible"]),
            "acting": _units(metric_id, "acting", given["acting"]),
            "tasks": tuple(tasks), "responsible_notice": notice, "severity": severity,
            "action_zh": given["action_zh"], "action_en": given["action_en"], "ack_deadline": ack}


@lru_cache(maxsize=1)
def templates() -> dict[str, Metric]:
    """Every metric as written in metrics.toml, placeholders unfilled."""
    raw = {k: v for k, v in _raw().items() if k not in (HEADLINE_TABLE, UNITS_TABLE)}
    names = [f.name for f in fields(Metric) if f.name != "id"]
    documented = settings_module.documented()
    out = {}
    for metric_id, entry in raw.items():
        _check(entry, names, metric_id, optional=("columns",) + RESPONSIBILITY)
        entry = dict(entry)
        columns = {}
        for column, spec in entry.pop("columns", {}).items():
            _check(spec, ["zh", "en", "unit"], f"{metric_id}.columns.{column}")
            if spec["unit"] not in COLUMN_UNITS:
                raise ValueError(f"{REGISTRY_FILE}: {metric_id}.columns.{column}: unit {spec['unit']!r} unknown")
            columns[column] = Column(**spec)
        who = _responsibility(metric_id, entry, bool(entry.get("red_when")), documented)
        metric = Metric(id=metric_id, columns=columns, **entry, **who)
        if metric.unit not in UNITS or metric.good not in GOOD_DIRECTIONS:
            raise ValueError(f"{REGISTRY_FILE}: {metric_id}: unit {metric.unit!r} or good {metric.good!r} unknown")
        out[metric_id] = metric
    return out


@lru_cache(maxsize=1)
def headline_templates() -> tuple[Headline, ...]:
    names = [f.name for f in fields(Headline) if f.name != "key"]
    out = []
    for key, entry in _raw().get(HEADLINE_TABLE, {}).items():
        _check(entry, names, f"headline.{key}", optional=("card_zh", "card_en"))
        h = Headline(key=key, **entry)
        if h.metric not in templates():
            raise ValueError(f"{REGISTRY_FILE}: headline.{key}: follows no metric {h.metric!r}")
        if h.unit not in UNITS or h.good not in GOOD_DIRECTIONS:
            raise ValueError(f"{REGISTRY_FILE}: headline.{key}: unit {h.unit!r} or good {h.good!r} unknown")
        out.append(h)
    return tuple(out)


_rendered: dict = {}


def _in_force(kind: str, build):
    """Render once per settings in force: a new settings.current() (an override, a cleared
    cache) renders again."""
    settings = settings_module.current()
    cached = _rendered.get(kind)
    if cached is None or cached[0] is not settings:
        cached = _rendered[kind] = (settings, build(settings))
    return cached[1]


def _render_metric(m: Metric, settings: dict) -> Metric:
    prose = {f: _render(getattr(m, f), _lang(f), settings) for f in METRIC_PROSE}
    columns = {c: replace(col, zh=_render(col.zh, "zh", settings), en=_render(col.en, "en", settings))
               for c, col in m.columns.items()}
    return replace(m, columns=columns, **prose)


def metrics() -> dict[str, Metric]:
    """Every metric, its prose reading the settings in force."""
    return _in_force("metrics", lambda s: {k: _render_metric(m, s) for k, m in templates().items()})


def metrics_with(settings: dict) -> dict[str, Metric]:
    """Every metric, its prose reading the given settings (the defaults, for a generated document)."""
    return {k: _render_metric(m, settings) for k, m in templates().items()}


def metric(metric_id: str) -> Metric:
    return metrics()[metric_id]


def headlines(where: str | None = None) -> tuple[Headline, ...]:
    """The headline numbers in order; `where` = "overview" or "briefing" keeps those shown there."""
    every = _in_force("headlines", lambda s: tuple(
        replace(h, **{f: _render(getattr(h, f), _lang(f), s) for f in HEADLINE_PROSE}) for h in headline_templates()))
    return every if where is None else tuple(h for h in every if getattr(h, where))


def headline(key: str) -> Headline:
    return next(h for h in headlines() if h.key == key)


def timeliness_rules(page: str | None = None) -> list[str]:
    """The clock rules: entries whose query is metrics/timeliness, in registry order."""
    return [m.id for m in templates().values() if m.query == TIMELINESS_QUERY and (page is None or m.page == page)]


def column_label(metric_id: str, column: str, lang: str) -> str:
    """The label of one of a metric's own columns, in the reader's language."""
    return metric(metric_id).columns[column].label(lang)


def column_labels(metric_id: str, lang: str) -> dict[str, str]:
    return {c: col.label(lang) for c, col in metric(metric_id).columns.items()}


def columns_of(metric_id: str, names: list[str], lang: str) -> list[tuple[str, str, str]]:
    """(label, column, unit) of some of a metric's own columns, in the order given: a page's cards."""
    columns = metric(metric_id).columns
    return [(columns[c].label(lang), c, columns[c].unit) for c in names]
