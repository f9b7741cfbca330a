"""Where a metric lives, in one place: `python -m sitrep explain ISO-USE`, and the metric
catalogue `docs/metric-catalogue.md`.

    python -m sitrep explain ISO-USE [--lang en]      # one metric, with the settings in force
    python -m sitrep explain --catalogue > docs/metric-catalogue.md

Everything is read at run time: the words from the registry (metrics.toml), the thresholds
from the settings (settings.toml and any override), the SQL from queries/. Nothing is copied.

Which SQL a metric reads: its query file, the fragments it includes (sitrep.queries), and the
staging views (queries/staging/stg_*.sql) its text names, then those the views name in turn.

Which tests cover it, by the convention of tests/metrics/:
- a section header comment `# --- ID[, ID ...][: what] ---` heads each metric's group of tests;
  the group runs to the next `# ---` line (a header naming no id, e.g. `# --- helpers ---`,
  just ends the group);
- a test elsewhere names the metric in its function name, lower case with underscores
  (`..._iso_use_...`), or in its docstring (`ISO-USE drill-through: ...`);
- any other comment line naming the id (e.g. a file's header comment) is listed as a mention.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sitrep import PROJECT_ROOT, QUERIES_DIR, registry
from sitrep import settings as settings_module
from sitrep.i18n import SECTION_WORDS, t

TESTS_DIR = PROJECT_ROOT / "tests" / "metrics"
PAGES_DIR = PROJECT_ROOT / "pages"
STAGING_DIR = QUERIES_DIR / "staging"
CATALOGUE_FILE = PROJECT_ROOT / "docs" / "metric-catalogue.md"

_STAGING_NAME = re.compile(r"\bstg_[a-z0-9_]+\b")
_COMMENT = re.compile(r"--[^\n]*")
_SECTION = re.compile(r"^\s*# ---")
_ID = re.compile(r"\b[A-Z]+-[A-Z0-9]+\b")



# --- SQL ------------------------------------------------------------------------------------

def _queries():
    # Imported when needed: `python -m sitrep` registers this command without loading DuckDB.
    from sitrep import queries
    return queries


def staging_views() -> list[str]:
    return sorted(p.stem for p in STAGING_DIR.glob("*.sql"))


def staging_read(query: str) -> tuple[str, ...]:
    """The staging views a query reads: named in its SQL (fragments expanded, comments ignored),
    then, recursively, those that these views read. In order of first mention."""
    known = set(staging_views())
    seen: dict[str, None] = {}
    pending = [query]
    while pending:
        text = _COMMENT.sub("", _queries().sql_text(pending.pop(0)))
        for name in _STAGING_NAME.findall(text):
            if name in known and name not in seen and f"staging/{name}" != query:
                seen[name] = None
                pending.append(f"staging/{name}")
    return tuple(seen)


def fragments_read(query: str) -> tuple[str, ...]:
    """The fragments a query includes, directly or through the staging views it reads."""
    queries = _queries()
    seen: dict[str, None] = dict.fromkeys(queries.fragments_used(query))
    for view in staging_read(query):
        seen.update(dict.fromkeys(queries.fragments_used(f"staging/{view}")))
    return tuple(seen)


def query_file(name: str) -> str:
    return f"queries/{name}.sql"


# --- tests ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    path: str           # relative to the project root
    line: int
    kind: str           # "section", "test" or "mention"
    text: str           # the header, the test's name, or the comment line
    tests: tuple[tuple[int, str], ...] = ()   # a section's tests: (line, name)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def _ids_in(text: str, known: set[str]) -> list[str]:
    return [i for i in dict.fromkeys(_ID.findall(text)) if i in known]


def _normalised(metric_id: str) -> str:
    return metric_id.lower().replace("-", "_")


def _named_in_function(name: str, metric_id: str) -> bool:
    return re.search(rf"(^|_){re.escape(_normalised(metric_id))}(_|$)", name) is not None


def scan_tests(directory: Path = TESTS_DIR) -> dict[str, list[Coverage]]:
    """Every registry id -> where tests/metrics/*.py cover it (see the module docstring)."""
    known = set(registry.metrics())
    found: dict[str, list[Coverage]] = {i: [] for i in known}
    for path in sorted(directory.glob("*.py")):
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tests = [(node.lineno, node.name, ast.get_docstring(node) or "")
                 for node in ast.walk(ast.parse(source))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")]
        tests.sort()
        headers = [n for n, text in enumerate(lines, 1) if _SECTION.match(text)]
        in_section: dict[str, set[int]] = {}
        for k, start in enumerate(headers):
            end = headers[k + 1] if k + 1 < len(headers) else len(lines) + 1
            ids = _ids_in(lines[start - 1], known)
            members = tuple((n, name) for n, name, _ in tests if start < n < end)
            for metric_id in ids:
                found[metric_id].append(Coverage(rel, start, "section", lines[start - 1].strip(), members))
                in_section.setdefault(metric_id, set()).update(n for n, _ in members)
        for n, name, doc in tests:
            for metric_id in known:
                if n in in_section.get(metric_id, ()):
                    continue
                if _named_in_function(name, metric_id) or metric_id in _ids_in(doc, known):
                    found[metric_id].append(Coverage(rel, n, "test", name))
        for n, text in enumerate(lines, 1):
            stripped = text.strip()
            if stripped.startswith("#") and not _SECTION.match(text):
                for metric_id in _ids_in(stripped, known):
                    found[metric_id].append(Coverage(rel, n, "mention", stripped))
    for locations in found.values():
        locations.sort(key=lambda loc: (loc.path, loc.line))
    return found


def tests_covering(metric_id: str) -> list[Coverage]:
    return scan_tests()[metric_id]


# --- one metric -----------------------------------------------------------------------------

class UnknownMetric(LookupError):
    def __init__(self, metric_id: str):
        self.metric_id = metric_id
        ids = list(registry.metrics())
        self.close = difflib.get_close_matches(metric_id.upper(), ids, n=5, cutoff=0.5)
        if not self.close:
            self.close = [i for i in ids if i.split("-")[0] == metric_id.upper().split("-")[0]]
        hint = f"did you mean {', '.join(self.close)}?" if self.close else f"known ids: {', '.join(ids)}"
        super().__init__(f"no metric {metric_id!r} in the registry (metrics.toml); {hint}")


def lookup(metric_id: str) -> registry.Metric:
    entries = registry.metrics()
    if metric_id in entries:
        return entries[metric_id]
    if metric_id.upper() in entries:
        return entries[metric_id.upper()]
    raise UnknownMetric(metric_id)


def _setting_value(setting: settings_module.Setting) -> str:
    return f"{setting.value} {setting.unit}"


def _sql_lines(name: str, lang: str, indent: str = "  ") -> list[str]:
    staging = staging_read(name)
    fragments = fragments_read(name)
    none = t('explain_none', lang)
    return [f"{indent}{t('explain_staging', lang)}: "
            + (", ".join(f"{v} ({query_file('staging/' + v)})" for v in staging) or none),
            f"{indent}{t('explain_fragments', lang)}: "
            + (", ".join(f"{f.split('/', 1)[1]} ({query_file(f)})" for f in fragments) or none)]


def responsibility_lines(m: registry.Metric, lang: str, in_force: dict) -> list[str]:
    """Who must act on a flagging rule (registry `responsible`, `acting`, ...), with its
    acknowledgement deadline in force."""
    other = "en" if lang == "zh" else "zh"
    out = [f"{t('explain_responsible', lang)}: {m.responsible_names(lang)} · {m.responsible_names(other)} "
           f"({m.responsibility_source})"]
    acting = f"{t('explain_acting', lang)}: {m.acting_names(lang)}"
    per_district = [u for u in m.acting if u.per_district_zh]
    if per_district:
        district = t("explain_a_district", lang)
        acting += " (" + t("explain_acting_district", lang, unit=per_district[0].name(lang, district)) + ")"
    out.append(acting)
    out.append(f"{t('explain_action', lang)}: {m.action(lang)} · {m.action(other)}")
    out.append(f"{t('explain_severity', lang)}: {m.severity}")
    s = in_force[m.ack_deadline]
    out.append(f"{t('explain_ack_deadline', lang)}: {s.name} = {s.value} {s.unit}"
               + (f" ({t('explain_overridden', lang)})" if s.overridden else ""))
    return out


def explain(metric_id: str, lang: str = "zh") -> str:
    """Everything about one metric, with the settings in force (sitrep.settings.current())."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    m = lookup(metric_id)
    in_force = settings_module.current()
    defaults = settings_module.documented()
    names = (m.name_zh, m.name_en) if lang == "zh" else (m.name_en, m.name_zh)
    definitions = (("zh", m.definition_zh), ("en", m.definition_en))
    if lang == "en":
        definitions = definitions[::-1]
    out = [f"{m.id} · {names[0]} · {names[1]}", ""]
    out.append(f"{t('explain_section', lang)}: {m.section}    {t('explain_source', lang)}: {m.source}")
    for code, text in definitions:
        out.append(f"{t('explain_definition', lang)} ({code}): {text}")
    window = m.window
    if window in in_force:
        window = f"{window} = {_setting_value(in_force[window])}"
    for label, zh, en in (("explain_numerator", m.numerator_zh, m.numerator),
                          ("explain_denominator", m.denominator_zh, m.denominator),
                          ("explain_window", m.window_zh, window)):
        first, second = (zh, en) if lang == "zh" else (en, zh)
        out.append(f"{t(label, lang)}: {first or '-'}" + (f" · {second}" if second and second != first else ""))
    out.append(f"{t('explain_unit', lang)}: {m.unit}")
    if m.threshold:
        s = in_force[m.threshold]
        state = (f"{t('explain_overridden', lang)} ({settings_module.overrides_file()}; "
                 f"{t('explain_default', lang)} {defaults[m.threshold].value})"
                 if s.overridden else t('explain_not_overridden', lang))
        out.append(f"{t('explain_threshold', lang)}: {s.name} = {s.value} ({t('explain_in_force', lang)}: {state})")
        out.append(f"  {t('explain_unit', lang)}: {s.unit}; {t('explain_source', lang)}: {s.source}")
        out.append(f"  {s.doc}")
    else:
        out.append(f"{t('explain_threshold', lang)}: {t('explain_no_threshold', lang)}")
    queries = _queries()
    others = [p for p in dict.fromkeys(queries.parameters(m.query) + (queries.parameters(m.detail) if m.detail else ()))
              if p in in_force and p not in (m.threshold, m.window)]
    if others:
        out.append(f"{t('explain_other_settings', lang)}: " + ", ".join(
            f"{p} = {in_force[p].value}" + (f" ({t('explain_overridden', lang)})" if in_force[p].overridden else "")
            for p in others))
    red = (m.red_when_zh, m.red_when) if lang == "zh" else (m.red_when, m.red_when_zh)
    out.append(f"{t('explain_red_when', lang)}: " + (" / ".join(red) if m.red_when else t('explain_not_flagged', lang)))
    if m.flags_red:
        out += responsibility_lines(m, lang, in_force)
    out.append(f"{t('explain_page', lang)}: pages/{m.page}.py")
    out.append(f"{t('explain_query', lang)}: {query_file(m.query)}")
    out += _sql_lines(m.query, lang)
    out.append(f"{t('explain_detail', lang)}: " + (query_file(m.detail) if m.detail else t('explain_none', lang)))
    if m.detail:
        out += _sql_lines(m.detail, lang)
    locations = tests_covering(m.id)
    out.append(f"{t('explain_tests', lang)}:")
    if not locations:
        out.append("  " + t('explain_no_tests', lang).format(id=m.id))
    for loc in locations:
        out.append(f"  {loc}  {loc.text}")
        for n, name in loc.tests:
            out.append(f"    {loc.path}:{n}  {name}")
    return "\n".join(out) + "\n"


# --- the catalogue --------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") if text else "—"


def catalogue() -> str:
    """docs/metric-catalogue.md: every registry metric by rulebook section, with the settings'
    defaults (settings.toml, never a local override, so the file is the same on every machine)."""
    from sitrep.redlist import SECTION_ORDER

    defaults = settings_module.documented()
    entries = registry.metrics().values()
    sections = sorted({m.section for m in entries},
                      key=lambda s: (SECTION_ORDER.index(s) if s in SECTION_ORDER else len(SECTION_ORDER), s))
    lines = ["# Metric catalogue", "",
             "Generated from the registry (`metrics.toml`) and the defaults of `settings.toml` by",
             "`python -m sitrep explain --catalogue > docs/metric-catalogue.md`; do not edit by hand (a test",
             "fails when it differs). For one metric with the settings in force, its staging views, fragments",
             "and tests: `python -m sitrep explain ID`. How a metric query is built: `docs/metrics.md`.", ""]
    for section in sections:
        members = [m for m in entries if m.section == section]
        lines += [f"## {t(SECTION_WORDS[section], 'en')} · {t(SECTION_WORDS[section], 'zh')} (`{section}`)",
                  ""]
        for m in members:
            if m.threshold:
                s = defaults[m.threshold]
                threshold = f"`{s.name}` = {s.value} {s.unit} (source {s.source})"
            else:
                threshold = "none (the rule has no number)"
            window = m.window
            if window in defaults:
                window = f"`{window}` = {defaults[window].value} {defaults[window].unit}"
            rows = [
                ("Name", f"{m.name_en} · {m.name_zh}"),
                ("Definition", m.definition_en),
                ("定义", m.definition_zh),
                ("Numerator", m.numerator),
                ("分子", m.numerator_zh),
                ("Denominator", m.denominator),
                ("分母", m.denominator_zh),
                ("Window", window),
                ("时间窗", m.window_zh),
                ("Unit", m.unit),
                ("Threshold", threshold),
                ("Red when", f"{m.red_when} · {m.red_when_zh}" if m.red_when else "shown, not flagged"),
                ("Page", f"`pages/{m.page}.py`"),
                ("Query", f"`{query_file(m.query)}`"),
                ("Drill-through", f"`{query_file(m.detail)}`" if m.detail else ""),
                ("Source", m.source),
            ]
            lines += [f"### {m.id}", "", "| | |", "|---|---|"]
            lines += [f"| {key} | {_cell(value)} |" for key, value in rows]
            lines.append("")
    return "\n".join(lines)


def responsibility_table() -> str:
    """docs/responsibility.md: who must act on every flagging rule, worst first, with the
    acknowledgement deadlines' defaults (settings.toml, never a local override)."""
    defaults = settings_module.documented()
    flagging = sorted((m for m in registry.metrics_with(defaults).values() if m.flags_red), key=lambda m: m.severity)
    lines = ["# Who must act on each red rule (责任单位)", "",
             "Generated from the registry (`metrics.toml`: `responsible`, `tasks`, `acting`, `severity`,",
             "`action_zh`, `ack_deadline`) and the defaults of `settings.toml` by",
             "`python -m sitrep explain --responsibility > docs/responsibility.md`; do not edit by hand (a test",
             "fails when it differs). Why the severities are ordered so: the comment above",
             "`[responsible_unit.*]` in `metrics.toml`. A district's red item goes to that district's own",
             "leading group where the acting unit is 各区县疫情防控领导小组.", "",
             "| Severity | Rule | Name | Responsible units (lead first) | Task | Who acts | What to do | Ack deadline |",
             "|---|---|---|---|---|---|---|---|"]
    for m in flagging:
        ack = defaults[m.ack_deadline]
        cells = [str(m.severity), m.id, f"{m.name_zh} · {m.name_en}",
                 f"{m.responsible_names('zh')} · {m.responsible_names('en')}", m.responsibility_source,
                 f"{m.acting_names('zh')} · {m.acting_names('en')}", f"{m.action_zh} · {m.action_en}",
                 f"`{ack.name}` = {ack.value} {ack.unit}"]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    units = registry.responsible_units()
    lines += ["", "## Responsible units", "", "| Key | 名称 | Name | One district's own |", "|---|---|---|---|"]
    for key, u in units.items():
        own = f"{u.per_district_zh} · {u.per_district_en}" if u.per_district_zh else ""
        lines.append("| " + " | ".join(_cell(c) for c in (f"`{key}`", u.zh, u.en, own)) + " |")
    return "\n".join(lines) + "\n"


# --- command line ---------------------------------------------------------------------------

def add_parser(sub) -> None:
    """`python -m sitrep explain`, registered by sitrep.cli."""
    why = sub.add_parser("explain", help="where a metric lives: definition, setting in force, SQL, page, tests",
                         description="Print a registry metric's names, definition, numerator, denominator, window, "
                                     "unit, threshold setting in force, red rule, page, SQL file with the staging "
                                     "views and fragments it reads, drill-through query and the tests that cover "
                                     "it. Exit status 2 for an unknown id.")
    why.add_argument("metric_id", nargs="?", help="rulebook id, e.g. ISO-USE")
    why.add_argument("--lang", choices=["zh", "en"], default="zh")
    why.add_argument("--catalogue", action="store_true",
                     help="print docs/metric-catalogue.md (every metric, settings' defaults) instead")
    why.add_argument("--responsibility", action="store_true",
                     help="print docs/responsibility.md (who must act on each red rule) instead")
    why.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    if args.responsibility:
        if args.metric_id or args.catalogue:
            raise SystemExit("explain: --responsibility prints the whole table; give no id and no --catalogue")
        sys.stdout.write(responsibility_table())
        return 0
    if args.catalogue:
        if args.metric_id:
            raise SystemExit("explain: give a metric id or --catalogue, not both")
        sys.stdout.write(catalogue())
        return 0
    if not args.metric_id:
        raise SystemExit("explain: give a metric id (e.g. ISO-USE) or --catalogue")
    try:
        sys.stdout.write(explain(args.metric_id, args.lang))
    except UnknownMetric as e:
        print(f"explain: {e}", file=sys.stderr)
        return 2
    return 0
