"""The snapshot as a document in the register of a government situation report (zh by default,
en available). Every number comes from the snapshot and is formatted by sitrep.formatting;
every word comes from sitrep/words/briefing.toml (through sitrep.i18n), the headlines' names from the
registry's [headline.*], and the rules' names, conditions and sources from the registry entries kept in the snapshot."""

from __future__ import annotations

import re

import pandas as pd

from sitrep.briefing.document import Bullets, Document, Heading, Image, Paragraph, Table
from sitrep import registry
from sitrep.briefing.snapshot import snapshot_sha256
from sitrep.formatting import format_duration, format_red_item, format_threshold, format_value
from sitrep.i18n import SECTION_WORDS, name_of, t

NUMERALS_ZH = "一二三四五六七八九十"
USAGE_CHART_DISTRICTS = 12


# --- words and numbers -------------------------------------------------------------------------

def _time(text: str | None, lang: str, with_date: bool = True) -> str:
    if not text:
        return "—"
    moment = pd.Timestamp(text)
    return moment.strftime("%m-%d %H:%M" if with_date else "%H:%M")


def _long_time(text: str, lang: str) -> str:
    moment = pd.Timestamp(text)
    if lang == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日{moment:%H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"


def source_text(source: str, lang: str) -> str:
    """Notice and item: '003 #57' reads '003 第57条' in Chinese."""
    return re.sub(r"#(\d+)", r"第\1条", source) if lang == "zh" else source


def _count(value, lang: str) -> str:
    return format_value(value, "count", lang)


def _delta(now, before, unit: str, lang: str) -> str:
    if now is None or before is None:
        return "—"
    change = now - before
    if unit == "share":
        points = round(change * 100, 1)
        return f"{points:+.1f} " + t("brief_pp", lang) if points else t("brief_flat", lang)
    if change == 0:
        return t("brief_flat", lang)
    return f"{int(change):+,}" if float(change).is_integer() else f"{change:+,.1f}"


class _Words:
    """Names from the snapshot in the document's language."""

    def __init__(self, snapshot: dict, lang: str):
        self.s, self.lang = snapshot, lang

    @property
    def area(self) -> str:
        """What the numbers cover: the city, or for a district account's snapshot its districts."""
        scope = self.s.get("scope")
        if not scope:
            return t("brief_area", self.lang)
        sep = "、" if self.lang == "zh" else ", "
        return t("brief_area_scope", self.lang, districts=sep.join(self.district(c) for c in scope))

    def district(self, code: str | None) -> str:
        if not code:
            return t("whole_city" if not self.s.get("scope") else "scope_total", self.lang)
        entry = self.s["districts"].get(code)
        return code if entry is None else entry["name_zh" if self.lang == "zh" else "name_en"]

    def rule(self, rule_id: str) -> str:
        entry = self.s["rules"][rule_id]
        return entry["name_zh" if self.lang == "zh" else "name_en"]

    def round(self, round_id: str, names: dict) -> str:
        name = names.get(round_id)
        return name if (self.lang == "zh" and name) else round_id

    def section(self, index: int, title: str) -> str:
        return f"{NUMERALS_ZH[index]}、{title}" if self.lang == "zh" else f"{index + 1}. {title}"


# --- the briefing -------------------------------------------------------------------------------

def _footer(snapshot: dict, kind: str, lang: str) -> list[str]:
    return [
        t("brief_footer_as_of", lang, as_of=_long_time(snapshot["as_of"], lang),
          data_as_of=_long_time(snapshot["data_as_of"], lang) if snapshot.get("data_as_of") else "—"),
        t("brief_footer_sha", lang, sha=snapshot_sha256(snapshot)),
        t("brief_footer_sha_what", lang),
    ]


def stamp_line(generated_at: pd.Timestamp | None, lang: str, issued_by: str | None = None) -> str:
    """The generation stamp: the only line that differs between two runs on the same as-of."""
    line = t("brief_generated", lang, time=f"{pd.Timestamp(generated_at):%Y-%m-%d %H:%M:%S}") if generated_at is not None else ""
    if issued_by:
        line += ("；" if lang == "zh" else "; ") + t("brief_issued_by", lang, name=issued_by)
    return line


def _headline(doc: Document, s: dict, w: _Words, lang: str) -> None:
    now, before = s["headline"]["now"], s["headline"]["previous"]
    h = lambda key: _count(now[key], lang)  # noqa: E731
    d = lambda key: _delta(now[key], before[key], "count", lang)  # noqa: E731
    doc.add(Paragraph(t("brief_headline_cases", lang, as_of=_long_time(s["as_of"], lang), area=w.area,
                        confirmed=h("new_confirmed"), d_confirmed=d("new_confirmed"),
                        asymptomatic=h("new_asymptomatic"), d_asymptomatic=d("new_asymptomatic"),
                        social=h("new_social"), active=h("active_cases"), cumulative=h("cumulative_cases"))))
    doc.add(Paragraph(t("brief_headline_isolation", lang, area=w.area, people=h("people_isolated"),
                        d_people=d("people_isolated"),
                        usage=format_value(now["room_usage"], "share", lang),
                        d_usage=_delta(now["room_usage"], before["room_usage"], "share", lang),
                        high=h("high_risk_areas"), medium=h("medium_risk_areas"), low=h("low_risk_areas"),
                        red=_count(s["headline"]["red_items"], lang),
                        d_red=_delta(s["headline"]["red_items"], s["headline"]["red_items_previous"], "count", lang))))
    rows = []
    for h in registry.headlines("briefing"):
        rows.append((name_of(h, lang), format_value(now[h.key], h.unit, lang),
                     format_value(before[h.key], h.unit, lang), _delta(now[h.key], before[h.key], h.unit, lang), h.metric))
    rows.append((t("brief_kpi_red_items", lang), _count(s["headline"]["red_items"], lang),
                 _count(s["headline"]["red_items_previous"], lang),
                 _delta(s["headline"]["red_items"], s["headline"]["red_items_previous"], "count", lang), ""))
    doc.add(Table((t("brief_col_item", lang), t("brief_col_now", lang, time=_time(s["as_of"], lang)),
                   t("brief_col_previous", lang, time=_time(s["previous"], lang)), t("brief_col_change", lang),
                   t("brief_col_rule", lang)),
                  tuple(rows), numeric=(1, 2, 3), widths=(3.2, 1.6, 1.6, 1.4, 1.4)))


def _place(item: dict, w: _Words, lang: str, names: dict) -> str:
    place = w.district(item["district_code"])
    if item.get("round_id"):
        place += f"（{w.round(item['round_id'], names)}）" if lang == "zh" else f" ({item['round_id']})"
    return place


def _item_text(item: dict, w: _Words, lang: str, names: dict, alert: dict | None = None) -> str:
    text = f"{_place(item, w, lang, names)} {format_red_item(item, lang)}"
    if item.get("red_since"):
        text += t("brief_since", lang, time=_time(item["red_since"], lang))
    status = alert_status_text(alert, lang) if alert else ""
    return text + (t("brief_ft_item_status", lang, status=status) if status else "")


def _key(item: dict) -> tuple:
    return (item["rule_id"], item.get("district_code"), item.get("round_id"))


def _alerts_of(s: dict) -> dict[tuple, dict]:
    """Each red item's alert (the follow-through section), by the item's key; {} for a snapshot
    made before briefings carried it."""
    return {_key(a): a for a in s.get("follow_through", {}).get("red_items", [])}


def _late(minutes, lang: str) -> str:
    return format_duration(float(minutes) * 60, lang)


def alert_status_text(alert: dict, lang: str) -> str:
    """Where a red item's alert stands: awaiting acknowledgement (by when), overdue (by how long),
    acknowledged or in hand (by whom), closed; "" where the item has no alert."""
    status = alert.get("status")
    if status == "new" and alert["overdue_minutes"]:
        return t("brief_ft_status_overdue", lang, late=_late(alert["overdue_minutes"], lang))
    if status == "new":
        return t("brief_ft_status_new", lang, due=_time(alert["ack_due"], lang))
    if status == "acknowledged":
        return t("brief_ft_status_acknowledged", lang, owner=alert["owner"] or "—")
    if status == "in_hand":
        return t("brief_ft_status_in_hand", lang, owner=alert["owner"] or "—")
    if status == "closed":
        return t("brief_ft_status_closed", lang)
    return ""


def red_item_lines(s: dict, lang: str) -> list[tuple[str, str, list[str]]]:
    """Per rule, in the red list's order: (rule_id, the rule's sentence, its items' texts, each with
    its alert's status and owner where the snapshot has them)."""
    w = _Words(s, lang)
    names = s["testing"]["round_names_zh"] if "testing" in s else {}
    alerts = _alerts_of(s)
    out: list[tuple[str, str, list[str]]] = []
    by_rule: dict[str, list[dict]] = {}
    for item in s["red_items"]:
        by_rule.setdefault(item["rule_id"], []).append(item)
    for rule_id, items in by_rule.items():
        rule = s["rules"][rule_id]
        threshold = format_threshold(items[0]["threshold"], items[0]["threshold_unit"], lang)
        condition = rule["red_when_zh"] if lang == "zh" else rule["red_when"]
        sentence = t("brief_rule_sentence", lang, condition=condition,
                     threshold=t("brief_threshold_part", lang, value=threshold) if threshold else "",
                     source=source_text(rule["source"], lang), n=len(items))
        out.append((rule_id, sentence + responsibility_sentence(rule, lang), [_item_text(i, w, lang, names, alerts.get(_key(i))) for i in items]))
    return out


def responsibility_sentence(rule: dict, lang: str) -> str:
    """Who must act on a rule's items and what they must do, from the snapshot's rule entry; "" for
    a snapshot issued before rules carried it. A district's items go to that district's own group
    where the plan's units read 各区县疫情防控领导小组."""
    if not rule.get("responsible_zh"):
        return ""
    # The task is named where it is not the rule's own source already cited.
    tasks = "" if rule["responsibility_source"] == rule["source"] else \
        t("brief_responsibility_tasks", lang, tasks=source_text(rule["responsibility_source"], lang))
    return t("brief_responsibility", lang, responsible=rule["responsible_zh" if lang == "zh" else "responsible_en"],
             tasks=tasks,
             acting=rule["acting_zh" if lang == "zh" else "acting_en"],
             action=rule["action_zh" if lang == "zh" else "action_en"])


def _red_list(doc: Document, s: dict, w: _Words, lang: str) -> None:
    if not s["red_items"]:
        doc.add(Paragraph(t("brief_nothing_red", lang)))
        return
    doc.add(Paragraph(t("brief_red_intro", lang, n=_count(len(s["red_items"]), lang),
                        rules=_count(len({i["rule_id"] for i in s["red_items"]}), lang))))
    section = None
    sep = "；" if lang == "zh" else "; "
    bullets: list[Paragraph] = []
    for rule_id, sentence, items in red_item_lines(s, lang):
        rule_section = s["rules"][rule_id]["section"]
        if rule_section != section:
            if bullets:
                doc.add(Bullets(tuple(bullets)))
                bullets = []
            section = rule_section
            doc.add(Heading(t(SECTION_WORDS[section], lang), level=3))
        end = "。" if lang == "zh" else "."
        bullets.append(Paragraph(sep.join(items) + (f"。{sentence}" if lang == "zh" else f". {sentence}") + end,
                                 lead=f"{w.rule(rule_id)}（{rule_id}）：" if lang == "zh" else f"{w.rule(rule_id)} ({rule_id}): "))
    if bullets:
        doc.add(Bullets(tuple(bullets)))


FOLLOW_THROUGH_COLUMNS = ("brief_ft_col_opened", "brief_ft_col_in_time", "brief_ft_col_late", "brief_ft_col_overdue",
                          "brief_ft_col_in_hand", "brief_ft_col_by_data", "brief_ft_col_by_hand")
FOLLOW_THROUGH_COUNTS = ("opened", "ack_in_time", "ack_late", "overdue_now", "in_hand_now", "closed_by_data",
                         "closed_by_hand")


def follow_through_summary(s: dict, lang: str) -> str:
    """The section's sentence: since when, what happened to the alerts, where they stand now."""
    f = s["follow_through"]
    since = _long_time(f["since"], lang)
    when = t("brief_ft_since_briefing", lang, since=since) if f.get("previous_briefing") else \
        t("brief_ft_since_day", lang, since=since)
    n = {k: _count(v, lang) for k, v in f["totals"].items()}
    as_of = _long_time(s["as_of"], lang)
    if not any(f["totals"][k] for k in ("opened", "acknowledged", "closed", "open_now")):
        return t("brief_ft_nothing", lang, when=when, as_of=as_of)
    return t("brief_ft_summary", lang, when=when, opened=n["opened"], reopened=n["reopened"],
             acknowledged=n["acknowledged"], in_time=n["ack_in_time"], late=n["ack_late"], closed=n["closed"],
             by_data=n["closed_by_data"], by_hand=n["closed_by_hand"], open=n["open_now"], in_hand=n["in_hand_now"],
             overdue=n["overdue_now"], as_of=as_of)


def overdue_items(s: dict, lang: str) -> list[str]:
    """The red items overdue for acknowledgement, longest overdue first: what, how long, whose."""
    w = _Words(s, lang)
    names = s["testing"]["round_names_zh"] if "testing" in s else {}
    items = {_key(i): i for i in s["red_items"]}
    late = sorted((a for a in s["follow_through"]["red_items"] if a["status"] == "new" and a["overdue_minutes"]),
                  key=lambda a: (-a["overdue_minutes"], a["rule_id"], a["district_code"] or "", a["round_id"] or ""))
    out = []
    for a in late:
        item = items[_key(a)]
        what = f"{_place(item, w, lang, names)} {w.rule(a['rule_id'])}（{a['rule_id']}）" if lang == "zh" else \
            f"{_place(item, w, lang, names)} {w.rule(a['rule_id'])} ({a['rule_id']})"
        out.append(t("brief_ft_overdue_item", lang, item=what, late=_late(a["overdue_minutes"], lang),
                     unit=item.get("acting_unit_zh" if lang == "zh" else "acting_unit_en") or "—"))
    return out


def _follow_through(doc: Document, s: dict, w: _Words, lang: str) -> None:
    f = s["follow_through"]
    doc.add(Paragraph(follow_through_summary(s, lang)))
    columns = tuple(t(key, lang) for key in FOLLOW_THROUGH_COLUMNS)
    numeric = tuple(range(1, len(columns) + 1))
    widths = (3.4,) + (1.1,) * len(columns)
    counts = lambda row: tuple(_count(row[k], lang) for k in FOLLOW_THROUGH_COUNTS)  # noqa: E731
    shown = lambda rows: [r for r in rows if any(r[k] for k in FOLLOW_THROUGH_COUNTS)]  # noqa: E731
    by_rule = shown(f["by_rule"])
    if by_rule:
        doc.add(Paragraph(t("brief_ft_by_rule", lang), small=True))
        doc.add(Table((t("brief_tcol_rule", lang),) + columns,
                      tuple((f"{w.rule(r['rule_id'])}（{r['rule_id']}）" if lang == "zh" else
                             f"{w.rule(r['rule_id'])} ({r['rule_id']})",) + counts(r) for r in by_rule),
                      numeric=numeric, widths=widths))
    # The units with the most overdue first: the ones a leader calls.
    by_unit = sorted(shown(f["by_unit"]), key=lambda r: (-r["overdue_now"], -r["opened"]))
    if by_unit:
        doc.add(Paragraph(t("brief_ft_by_unit", lang), small=True))
        doc.add(Table((t("brief_ft_col_unit", lang),) + columns,
                      tuple((r["unit_zh" if lang == "zh" else "unit_en"],) + counts(r) for r in by_unit),
                      numeric=numeric, widths=widths))
    overdue = overdue_items(s, lang)
    if overdue:
        doc.add(Paragraph(t("brief_ft_overdue_intro", lang, n=_count(len(overdue), lang))))
        doc.add(Bullets(tuple(Paragraph(x) for x in overdue)))
    elif s["red_items"]:
        doc.add(Paragraph(t("brief_ft_no_overdue", lang)))
    untracked = sum(a["alert_id"] is None for a in f["red_items"])
    if untracked:
        doc.add(Paragraph(t("brief_ft_untracked", lang, n=_count(untracked, lang))))
    doc.add(Paragraph(t("brief_ft_window_note", lang), small=True))


def dispatch_sentences(s: dict, lang: str) -> list[str]:
    """ISO-DISPATCH as a suggestion per district at or over the trigger."""
    w = _Words(s, lang)
    trigger = format_threshold(s["settings"]["room_usage_trigger"], "share", lang)
    source = source_text(s["rules"]["ISO-DISPATCH"]["source"], lang)
    out = []
    for plan in s["dispatch"]:
        head = t("brief_dispatch_head", lang, district=w.district(plan["district_code"]),
                 usage=format_value(plan["room_usage"], "share", lang), occupied=_count(plan["rooms_occupied"], lang),
                 rooms=_count(plan["rooms"], lang), trigger=trigger, source=source, need=_count(plan["need_rooms"], lang))
        sep = "、" if lang == "zh" else ", "
        lenders = sep.join(t("brief_dispatch_lender", lang, district=w.district(l["district_code"]),
                             km=format_value(l["distance_km"], "count", lang) if l["distance_km"] is not None else "—",
                             spare=_count(l["spare_rooms"], lang))
                           for l in plan["lenders"])
        if not plan["lenders"]:
            tail = t("brief_dispatch_none", lang, area=w.area)
        elif plan["need_covered"]:
            tail = t("brief_dispatch_covered", lang, lenders=lenders)
        else:
            spare = sum(l["spare_rooms"] for l in plan["lenders"])
            tail = t("brief_dispatch_short", lang, lenders=lenders, spare=_count(spare, lang),
                     short=_count(plan["need_rooms"] - spare, lang))
        out.append(head + tail)
    return out


def _dispatch(doc: Document, s: dict, lang: str) -> None:
    doc.add(Heading(t("brief_dispatch_title", lang), level=3))
    sentences = dispatch_sentences(s, lang)
    if not sentences:
        doc.add(Paragraph(t("brief_dispatch_nothing", lang,
                            trigger=format_threshold(s["settings"]["room_usage_trigger"], "share", lang))))
    else:
        doc.add(Bullets(tuple(Paragraph(x) for x in sentences)))


def _district_table(doc: Document, s: dict, w: _Words, lang: str) -> None:
    rows = []
    for r in s["district_table"]:
        usage = format_value(r["room_usage"], "share", lang) if r["rooms"] else "—"
        if r["room_usage_red"]:
            usage += " ▲"
        rows.append((w.district(r["district_code"]), _count(r["new_confirmed"], lang), _count(r["new_asymptomatic"], lang),
                     _count(r["new_social"], lang), _count(r["active_cases"], lang), _count(r["people_isolated"], lang),
                     usage, f"{r['high_risk_areas']}/{r['medium_risk_areas']}/{r['low_risk_areas']}",
                     _count(r["red_items"], lang)))
    doc.add(Paragraph(t("brief_district_intro", lang, trigger=format_threshold(
        s["settings"]["room_usage_trigger"], "share", lang)), small=True))
    doc.add(Table(tuple(t(key, lang) for key in (
        "district", "brief_dcol_new_confirmed", "brief_dcol_new_asymptomatic", "brief_dcol_new_social", "brief_dcol_active",
        "brief_dcol_isolated", "brief_dcol_usage", "page_risk_areas", "brief_dcol_red")),
        tuple(rows), numeric=tuple(range(1, 9)), widths=(2.6, 1.1, 1.2, 1.1, 1.1, 1.4, 1.4, 1.4, 1.1)))


def round_rows(rounds: list[dict], w: _Words, lang: str, names: dict, with_round: bool = True) -> tuple:
    rows = []
    for r in rounds:
        if r["district_code"] is None:
            continue
        status = t("bulletin_behind", lang) if r["is_red"] else t("bulletin_on_track", lang)
        rows.append((w.round(r["round_id"], names), w.district(r["district_code"]), _count(r["denominator"], lang),
                     f"{_count(r['numerator'], lang)} ({format_value(r['value'], 'share', lang)})",
                     f"{_count(r['people_tested'], lang)} ({format_value(r['tested_share'], 'share', lang)})",
                     _count(r["positive_tubes"], lang), _time(r["last_report_at"], lang),
                     _time(r["deadline_at"], lang), _time(r["projected_finish_at"], lang), status))
    return tuple(rows) if with_round else tuple(row[1:] for row in rows)


ROUND_COLUMNS = ("round", "district", "bulletin_col_target", "bulletin_col_sampled", "bulletin_col_resulted",
                 "bulletin_col_positive", "field_last_report_at", "field_deadline_at", "bulletin_col_projected",
                 "field_status")
ROUND_WIDTHS = (2.6, 1.3, 1.3, 1.8, 1.8, 0.9, 1.1, 1.1, 1.1, 1.0)


def _testing(doc: Document, s: dict, w: _Words, lang: str) -> None:
    testing = s["testing"]
    names = testing["round_names_zh"]
    active = [r for r in testing["active"] if r["district_code"] is not None]
    deadline = format_threshold(s["settings"]["testing_round_deadline_hours"], "hours", lang)
    if active:
        behind = [r for r in active if r["is_red"]]
        doc.add(Paragraph(t("brief_testing_active", lang, n=len({r["round_id"] for r in active}),
                            districts=len(active), behind=len(behind), deadline=deadline)))
        doc.add(Table(tuple(t(key, lang) for key in ROUND_COLUMNS),
                      round_rows(testing["active"], w, lang, names), numeric=(2, 3, 4, 5), widths=ROUND_WIDTHS))
    else:
        doc.add(Paragraph(t("brief_testing_none_active", lang)))
    late = [c for c in testing["cadence"] if c["is_red"]]
    cadence = format_threshold(s["settings"]["testing_report_cadence_hours"], "hours", lang)
    if late:
        sep = "、" if lang == "zh" else ", "
        doc.add(Paragraph(t("brief_cadence_late", lang, cadence=cadence, rounds=sep.join(
            f"{w.round(c['round_id'], names)} {w.district(c['district_code'])}"
            + t("brief_last_report", lang, time=_time(c["last_report_at"], lang)) for c in late))))
    elif testing["cadence"]:
        doc.add(Paragraph(t("brief_cadence_ok", lang, cadence=cadence)))
    finished = testing["finished"]
    if finished:
        doc.add(Paragraph(t("brief_finished_intro", lang, n=len(finished))))
        doc.add(Table(tuple(t(key, lang) for key in (
            "round", "district", "brief_fcol_finished", "brief_fcol_hours", "brief_fcol_sampled", "brief_fcol_resulted",
            "brief_fcol_positive", "field_on_time")),
            tuple((w.round(f["round_id"], names), w.district(f["district_code"]), _time(f["finished_at"], lang),
                   format_value(f["hours_taken"], "hours", lang), _count(f["people_sampled"], lang),
                   _count(f["people_tested"], lang), _count(f["positive_tubes"], lang),
                   t("cci_yes" if f["on_time"] else "cci_no", lang)) for f in finished),
            numeric=(3, 4, 5, 6), widths=(2.8, 1.3, 1.3, 1.2, 1.6, 1.6, 1.0, 1.0)))
    else:
        doc.add(Paragraph(t("brief_finished_none", lang)))
    tat = testing["turnaround"]
    if tat and tat["median_hours"] is not None:
        doc.add(Paragraph(t("brief_tat", lang, settings=s["settings"], total=format_value(tat["median_hours"], "hours", lang),
                            lab=format_value(tat["median_to_lab_hours"], "hours", lang),
                            result=format_value(tat["median_to_result_hours"], "hours", lang))))


def _timeliness(doc: Document, s: dict, w: _Words, lang: str) -> None:
    rows, red = [], []
    for e in s["timeliness"]:
        judged = (e["on_time"] or 0) + (e["late"] or 0)
        limit = format_threshold(e["threshold"], "hours", lang)
        median = "—" if e["median_minutes"] is None else t("brief_minutes", lang, n=format_value(e["median_minutes"], "count", lang))
        rows.append((f"{w.rule(e['metric_id'])}（{e['metric_id']}）" if lang == "zh" else f"{w.rule(e['metric_id'])} ({e['metric_id']})",
                     limit, _count(judged, lang), format_value(e["value"], "share", lang), _count(e["late"], lang),
                     _count(e["open_overdue"], lang), _count(e["pending"], lang), median,
                     source_text(s["rules"][e["metric_id"]]["source"], lang)))
        if e["is_red"]:
            red.append(w.rule(e["metric_id"]))
    window = format_threshold(s["settings"]["timeliness_window_hours"], "hours", lang)
    sep = "、" if lang == "zh" else ", "
    doc.add(Paragraph(t("brief_timeliness_intro", lang, window=window)
                      + (t("brief_timeliness_red", lang, rules=sep.join(red)) if red else t("brief_timeliness_ok", lang))))
    doc.add(Table(tuple(t(key, lang) for key in (
        "brief_tcol_rule", "brief_tcol_limit", "brief_tcol_judged", "brief_tcol_on_time", "field_late",
        "brief_tcol_open_overdue", "field_pending", "brief_tcol_median", "source")),
        tuple(rows), numeric=(2, 3, 4, 5, 6, 7), widths=(3.4, 1.0, 1.1, 1.1, 0.9, 1.1, 1.0, 1.3, 1.2)))


def _usage_chart_rows(s: dict) -> list[dict]:
    """The districts the room-usage chart shows: the highest usage first, at most USAGE_CHART_DISTRICTS."""
    return sorted((r for r in s["district_table"] if r["room_usage"] is not None),
                  key=lambda r: (-r["room_usage"], r["district_code"]))[:USAGE_CHART_DISTRICTS]


def chart_data(snapshot: dict, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The numbers of the briefing's two charts as frames, for a preview that draws them itself
    (the files' PNGs are drawn by charts.py from the same rows, which takes the CJK font and time).
    epi_curve: date (MM-DD) and one column per class, in the words of `lang`; room_usage: district
    name, usage (a share) and whether it is red, highest usage first."""
    w = _Words(snapshot, lang)
    days = snapshot["epi_curve"]
    epi = pd.DataFrame({
        "date": [d["date"][5:] for d in days],
        t("cases_class_confirmed", lang): [d["confirmed"] for d in days],
        t("cases_class_asymptomatic", lang): [d["asymptomatic"] for d in days],
    })
    usage = _usage_chart_rows(snapshot)
    rooms = pd.DataFrame({"district": [w.district(r["district_code"]) for r in usage],
                          "usage": [r["room_usage"] for r in usage],
                          "red": [bool(r["room_usage_red"]) for r in usage]})
    return {"epi_curve": epi, "room_usage": rooms}


def _charts(doc: Document, s: dict, w: _Words, lang: str) -> None:
    from sitrep.briefing import charts

    doc.add(Image("epi_curve", charts.epi_curve(s["epi_curve"], lang), t("brief_chart_epi_caption", lang)))
    usage = _usage_chart_rows(s)
    doc.add(Image("room_usage", charts.room_usage([(w.district(r["district_code"]), r["room_usage"],
                                                    bool(r["room_usage_red"])) for r in usage],
                                                  s["settings"]["room_usage_trigger"], lang),
                  t("brief_chart_usage_caption", lang, n=len(usage))))


def compose_briefing(snapshot: dict, lang: str = "zh", with_charts: bool = True) -> Document:
    s, w = snapshot, _Words(snapshot, lang)
    doc = Document(kind="briefing", lang=lang, title=t("brief_title", lang),
                   subtitle=t("brief_subtitle", lang, as_of=_long_time(s["as_of"], lang)), as_of=s["as_of"])
    doc.add(Heading(w.section(0, t("brief_h_overview", lang))))
    _headline(doc, s, w, lang)
    if with_charts:
        _charts(doc, s, w, lang)
    doc.add(Heading(w.section(1, t("brief_h_red", lang, n=len(s["red_items"])))))
    _red_list(doc, s, w, lang)
    _dispatch(doc, s, lang)
    sections = iter(range(2, 9))
    if "follow_through" in s:      # a snapshot made before briefings reported the alerts has none
        doc.add(Heading(w.section(next(sections), t("brief_h_follow_through", lang))))
        _follow_through(doc, s, w, lang)
    doc.add(Heading(w.section(next(sections), t("brief_h_districts", lang))))
    _district_table(doc, s, w, lang)
    doc.add(Heading(w.section(next(sections), t("brief_h_testing", lang))))
    _testing(doc, s, w, lang)
    doc.add(Heading(w.section(next(sections), t("brief_h_timeliness", lang))))
    _timeliness(doc, s, w, lang)
    doc.footer = _footer(s, "briefing", lang)
    return doc


# --- the 2-hour testing bulletin ----------------------------------------------------------------

def compose_bulletin(snapshot: dict, lang: str = "zh") -> Document:
    s, w = snapshot, _Words(snapshot, lang)
    names = s["round_names_zh"]
    doc = Document(kind="bulletin", lang=lang, title=t("bulletin_title", lang),
                   subtitle=t("brief_subtitle", lang, as_of=_long_time(s["as_of"], lang)), as_of=s["as_of"])
    deadline = format_threshold(s["settings"]["testing_round_deadline_hours"], "hours", lang)
    cadence = format_threshold(s["settings"]["testing_report_cadence_hours"], "hours", lang)
    rounds = [r for r in s["rounds"] if r["district_code"] is None]
    if not rounds:
        doc.add(Paragraph(t("bulletin_none", lang, as_of=_long_time(s["as_of"], lang))))
    for index, head in enumerate(rounds):
        part = [r for r in s["rounds"] if r["round_id"] == head["round_id"]]
        late_reports = [c for c in s["cadence"] if c["round_id"] == head["round_id"] and c["is_red"]]
        behind = [r for r in part if r["district_code"] is not None and r["is_red"]]
        doc.add(Heading(w.section(index, w.round(head["round_id"], names))))
        remaining = (pd.Timestamp(head["deadline_at"]) - pd.Timestamp(s["as_of"])).total_seconds() / 3600
        doc.add(Paragraph(t("bulletin_round", lang, started=_time(head["started_at"], lang),
                            deadline=_time(head["deadline_at"], lang), limit=deadline,
                            elapsed=format_value(head["elapsed_hours"], "hours", lang),
                            remaining=format_value(remaining, "hours", lang),
                            sampled=_count(head["numerator"], lang), target=_count(head["denominator"], lang),
                            share=format_value(head["value"], "share", lang),
                            tested=_count(head["people_tested"], lang),
                            tested_share=format_value(head["tested_share"], "share", lang),
                            positive=_count(head["positive_tubes"], lang),
                            projected=_time(head["projected_finish_at"], lang))))
        doc.add(Table(tuple(t(key, lang) for key in ROUND_COLUMNS[1:]),
                      round_rows(part, w, lang, names, with_round=False), numeric=(1, 2, 3, 4), widths=ROUND_WIDTHS[1:]))
        sep = "、" if lang == "zh" else ", "
        rule = s["rules"]["TEST-ROUND"]
        if behind:
            doc.add(Paragraph(t("bulletin_behind_list", lang, districts=sep.join(
                f"{w.district(r['district_code'])}" + t("bulletin_projected", lang, time=_time(r["projected_finish_at"], lang))
                for r in behind), source=source_text(rule["source"], lang)), lead=t("bulletin_behind_lead", lang)))
        else:
            doc.add(Paragraph(t("bulletin_none_behind", lang, limit=deadline)))
        if late_reports:
            doc.add(Paragraph(t("bulletin_late_list", lang, cadence=cadence, districts=sep.join(
                w.district(c["district_code"]) + t("brief_last_report", lang, time=_time(c["last_report_at"], lang))
                for c in late_reports), source=source_text(s["rules"]["TEST-CADENCE"]["source"], lang)),
                lead=t("bulletin_late_lead", lang)))
        else:
            doc.add(Paragraph(t("bulletin_reports_ok", lang, cadence=cadence)))
    doc.footer = _footer(s, "bulletin", lang)
    return doc
