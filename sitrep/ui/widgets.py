"""Streamlit glue, widgets: the pieces every page draws the same way — a metric with its
definition, a number with its change against the day and week before, a table with its CSV
download, a red note."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sitrep import access, audit, database_path, queries, registry
from sitrep.export import csv_bytes, file_name
from sitrep.formatting import format_threshold, format_value
from sitrep.frames import head_rows, is_red
from sitrep.i18n import column_key, name_of, t
from sitrep.settings import current as current_settings
from sitrep.ui.data import district_names, reading_scope, session_user, whole_city_label
from sitrep.ui.view_state import View

# The words of each place level (keys spelt out: tests/test_words.py finds every key used).
LEVEL_WORDS = {"city": "level_city", "district": "level_district", "township": "level_township",
               "community": "level_community", "grid": "level_grid", "building": "level_building"}



def _setting_text(name: str, lang: str) -> str:
    setting = current_settings()[name]
    return format_threshold(setting.value, setting.unit, lang)


def definition_text(metric_id: str, lang: str) -> str:
    """The registry's definition in the reader's language: what it counts (numerator, denominator),
    over which window, when it is red (the threshold in force), the notice, the page."""
    m = registry.metric(metric_id)
    zh = lang == "zh"
    definition = m.definition_zh if zh else m.definition_en
    parts = [f"**{m.id} {name_of(m, lang)}**: {definition}"]
    numerator, denominator = (m.numerator_zh, m.denominator_zh) if zh else (m.numerator, m.denominator)
    if numerator:
        parts.append(f"{t('numerator', lang)}: {numerator}")
    if denominator:
        parts.append(f"{t('denominator', lang)}: {denominator}")
    if m.window:
        window = _setting_text(m.window, lang) if m.window in current_settings() else (m.window_zh if zh else m.window)
        parts.append(f"{t('window', lang)}: {window}")
    if m.threshold:
        parts.append(f"{t('threshold', lang)}: {_setting_text(m.threshold, lang)}"
                     + (f" ({m.red_when_zh if zh else m.red_when})" if m.red_when else ""))
    parts.append(f"{t('source', lang)}: {m.source}")
    parts.append(f"{t('page', lang)}: {t(PAGE_WORDS[m.page], lang)}")
    return "  \n".join(parts)


def headline_text(key: str, lang: str) -> str:
    """A headline number's own definition, and the rule it follows."""
    h = registry.headline(key)
    rule = registry.metric(h.metric)
    return "  \n".join([f"**{name_of(h, lang)}**: {h.definition_zh if lang == 'zh' else h.definition_en}",
                        f"{t('rule', lang)}: {rule.id} {name_of(rule, lang)}"])


# Registry `page` -> the key of the page's title.
PAGE_WORDS = {"overview": "page_overview", "cases": "page_cases", "contacts": "page_contacts",
              "isolation": "page_isolation", "testing": "page_testing", "timeliness": "page_timeliness",
              "risk_areas": "page_risk_areas", "data": "page_data"}


def definition(metric_id: str, view: View) -> None:
    st.caption(definition_text(metric_id, view.lang) + f"  \n{t('as_of', view.lang)} {view.as_of:%Y-%m-%d %H:%M}")
    finest_level_note(metric_id, view)


def finest_level_note(metric_id: str, view: View) -> None:
    """Where the view chose a place finer than the metric can narrow to, say so beside it: the
    figure shown is its township's (or district's), not the community's."""
    level = queries.narrowed_to(metric_id, view.place)
    if level:
        st.caption(t("finest_level", view.lang, level=t(LEVEL_WORDS[level], view.lang),
                     chosen=t(LEVEL_WORDS[view.level], view.lang)))


def kpi(column, label: str, metric_id: str, value, unit: str, previous_day=None, previous_week=None,
        view: View | None = None, headline: str | None = None) -> None:
    """A number with its change against the previous day and week, the arrow coloured by
    whether the change is good (registry `good`), and its definition on hover. A headline card
    (registry [headline.*]) shows its own definition and good direction."""
    lang = view.lang if view else "zh"
    good = registry.headline(headline).good if headline else registry.metric(metric_id).good
    delta, delta_text = None, ""
    if previous_day is not None and value is not None and not pd.isna(previous_day) and not pd.isna(value):
        delta = value - previous_day
        delta_text = f"{format_delta(delta, unit)} {t('vs_day', lang)}"
    week = ""
    if previous_week is not None and value is not None and not pd.isna(previous_week) and not pd.isna(value):
        week = f"{format_delta(value - previous_week, unit)} {t('vs_week', lang)}"
    colour = {"down": "inverse", "up": "normal"}.get(good, "off") if delta else "off"
    column.metric(label, format_value(value, unit, lang), delta=delta_text or None, delta_color=colour,
                  help=(headline_text(headline, lang) if headline else definition_text(metric_id, lang))
                  + (f"  \n{week}" if week else ""))
    if week:
        column.caption(week)


def format_delta(delta, unit: str) -> str:
    if unit == "share":
        return f"{delta * 100:+.1f} pp"
    if float(delta).is_integer():
        return f"{int(delta):+,}"
    return f"{delta:+,.1f}"


def table(frame: pd.DataFrame, name: str, view: View, key: str | None = None, height: int | None = None,
          display: pd.DataFrame | None = None) -> None:
    """A table with its CSV download (UTF-8 with BOM, stamped with the as-of time). The page shows
    at most `display_row_limit` rows (settings.toml) and says so when it cuts; the CSV holds all.
    `display`, when given, is what the page shows instead of `frame` (same rows): a list's masked
    people columns are shown, never downloaded."""
    shown, total = head_rows(frame if display is None else display, current_settings()["display_row_limit"].value)
    st.dataframe(shown, hide_index=True, width="stretch", height=height or "auto")
    label = t("download_csv", view.lang)
    if len(shown) < total:
        st.caption(t("rows_cut", view.lang, shown=f"{len(shown):,}", total=f"{total:,}"))
        label = t("download_all_csv", view.lang, total=f"{total:,}")
    user = session_user()
    if access.can(user, access.EXPORT):
        st.download_button(f"⬇ {label}", data=audited_csv(frame, name, view, user),
                           file_name=file_name(name, view.as_of), mime="text/csv", key=key or f"csv-{name}",
                           on_click="ignore")


def audited_csv(frame: pd.DataFrame, name: str, view: View, user):
    """The CSV of `frame`, made when the button is clicked, and that export written to the audit
    log: which table or metric, the scope, how many rows, at which as-of."""
    scope = reading_scope()
    database = database_path()

    def make() -> bytes:
        data = csv_bytes(frame)
        audit.record(database, audit.EXPORT, user=user, object=name, scope=scope,
                     details={"rows": len(frame), "as_of": f"{view.as_of:%Y-%m-%d %H:%M}", "format": "csv"})
        return data
    return make


def readable(frame: pd.DataFrame, view: View, metric_id: str | None = None) -> pd.DataFrame:
    """District names beside codes; column headers from the registry for the metric's own columns,
    from the words (sitrep/words/columns.toml) for ids, codes, times and drill-through columns."""
    out = frame.copy()
    if "district_code" in out.columns:
        out.insert(out.columns.get_loc("district_code") + 1, "district_name",
                   out["district_code"].map(district_names(view)).fillna(whole_city_label(view.lang)))
    own = registry.column_labels(metric_id, view.lang) if metric_id else {}
    return out.rename(columns={c: own[c] if c in own else t(column_key(c), view.lang)
                               for c in out.columns if c in own or column_key(c)})


def metric_label(metric_id: str, view: View) -> str:
    """The metric's id and its name in the view's language."""
    return f"{metric_id} {name_of(registry.metric(metric_id), view.lang)}"


def red_note(row: pd.Series | None, text: str | None, view: View) -> None:
    """Say so when the scoped row is red, and since when."""
    if is_red(row):
        since = row["red_since"]
        extra = t("cci_red_since", view.lang, time=f"{since:%Y-%m-%d %H:%M}") if not pd.isna(since) else ""
        st.error(" · ".join(part for part in (f"🔴 {text}" if text else "🔴", extra) if part))
