"""The daily briefing and the 2-hour testing bulletin on the demo scenario: every number equals
the query layer's, every red item is in the text, the same as-of gives the same snapshot and the
same files, DOCX and PDF open with the expected text and pages, an issued briefing re-opens
exactly as issued, and late data shows up when it is compared with today's data."""

import getpass
import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata

import docx
import duckdb
import pandas as pd
import pypdf
import pytest

from sitrep import PROJECT_ROOT, audit, registry
from sitrep.briefing import store
from sitrep.briefing.bulletin import build_bulletin
from sitrep.briefing.compose import (chart_data, compose_briefing, compose_bulletin, red_item_lines, source_text,
                                    stamp_line)
from sitrep.briefing.document import Bullets, Document, Paragraph
from sitrep.briefing.render import render, to_markdown
from sitrep.briefing.snapshot import build_snapshot, canonical_json, snapshot_sha256
from sitrep.db import install_staging_views
from sitrep.formatting import format_red_item, format_value
from sitrep.personal import PERSONAL_COLUMNS
from sitrep.queries import run, run_metric
from sitrep.redlist import red_list

AS_OF = pd.Timestamp("2022-07-24 18:00")          # the red moment of the scenario: 江北 over 75 %
ROUND_AS_OF = pd.Timestamp("2022-08-05 18:00")    # the joint round is under way, 江北 behind
STAMP = pd.Timestamp("2030-01-02 03:04:05")


@pytest.fixture(scope="module")
def snapshot(demo):
    return build_snapshot(demo, AS_OF)


@pytest.fixture(scope="module")
def zh(snapshot):
    doc = compose_briefing(snapshot, "zh")
    doc.stamp = stamp_line(STAMP, "zh")
    return doc


@pytest.fixture(scope="module")
def files(zh):
    return {fmt: render(zh, fmt) for fmt in ("md", "docx", "pdf")}


def _city(frame: pd.DataFrame) -> pd.Series:
    return frame[frame["district_code"].isna()].iloc[0]


def _flat(text: str) -> str:
    """Text without the spaces and line breaks the layout put in."""
    return re.sub(r"\s+", "", text)


def _pdf_texts(data: bytes) -> list[str]:
    """Each page's text as PDFium (Chromium's PDF engine) extracts it, flattened: what a reader
    who copies the text gets."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return [_flat(page.get_textpage().get_text_range()) for page in document]
    finally:
        document.close()


# --- numbers equal the query layer's ---------------------------------------------------------

def test_headline_numbers_are_the_query_layers(demo, snapshot):
    now, before = snapshot["headline"]["now"], snapshot["headline"]["previous"]
    new = _city(run_metric(demo, "CASE-NEW", as_of=AS_OF))
    assert (now["new_confirmed"], now["new_asymptomatic"], now["active_cases"], now["cumulative_cases"]) == (
        new["new_confirmed"], new["new_asymptomatic"], new["active"], new["cumulative"])
    assert now["new_social"] == _city(run_metric(demo, "CASE-SOCIAL", as_of=AS_OF))["value"]
    assert now["room_usage"] == pytest.approx(_city(run_metric(demo, "ISO-USE", as_of=AS_OF))["value"], rel=1e-11)
    assert now["people_isolated"] == _city(run(demo, "overview/people_in_isolation", as_of=AS_OF))["people"]
    risk = _city(run_metric(demo, "RISK-AREAS", as_of=AS_OF))
    assert (now["high_risk_areas"], now["medium_risk_areas"], now["low_risk_areas"]) == (
        risk["high_areas"], risk["medium_areas"], risk["low_areas"])
    yesterday = _city(run_metric(demo, "CASE-NEW", as_of=AS_OF - pd.Timedelta(days=1)))
    assert before["new_confirmed"] == yesterday["new_confirmed"]
    assert snapshot["headline"]["red_items"] == len(red_list(demo, AS_OF))
    assert snapshot["headline"]["red_items_previous"] == len(red_list(demo, AS_OF - pd.Timedelta(days=1)))


def test_every_red_item_of_the_red_list_is_in_the_snapshot_and_the_text(demo, snapshot, zh, files):
    expected = red_list(demo, AS_OF)
    assert len(expected) > 100 and "ISO-USE" in set(expected["rule_id"])
    got = snapshot["red_items"]
    assert [(i["rule_id"], i["district_code"], i["round_id"]) for i in got] == [
        (r.rule_id, r.district_code, r.round_id) for r in expected.itertuples()]
    for item, row in zip(got, expected.itertuples()):
        assert item["value"] == pytest.approx(row.value, rel=1e-11)
    markdown = files["md"].decode("utf-8")
    lines = {rule_id: (sentence, items) for rule_id, sentence, items in red_item_lines(snapshot, "zh")}
    for row, record in zip(expected.itertuples(), expected.to_dict("records")):
        district = row.district_name_zh if isinstance(row.district_name_zh, str) else "全市"
        value = format_red_item(record, "zh")  # CASE-NEW its rising comparison, ISO-RUNWAY its time to the trigger
        # The item reads "district value" in its rule's bullet, which names the rule and its source.
        bullet = next(line for line in markdown.splitlines() if f"（{row.rule_id}）" in line and line.startswith("- "))
        assert f"{district}" in bullet and value in bullet, (row.rule_id, district, value)
        assert source_text(row.source, "zh") in bullet
        assert any(item.startswith(district) and value in item for item in lines[row.rule_id][1])
    assert "江北区 98.7%" in markdown and "003 第57条" in markdown


def test_each_red_items_bullet_names_who_must_act_and_what_to_do(demo, snapshot, files):
    expected = red_list(demo, AS_OF)
    assert [(i["acting_unit_zh"], i["acting_unit_en"]) for i in snapshot["red_items"]] == list(
        zip(expected["acting_unit_zh"], expected["acting_unit_en"]))
    markdown = files["md"].decode("utf-8")
    for rule_id in expected["rule_id"].unique():
        m = registry.metric(rule_id)
        bullet = next(line for line in markdown.splitlines() if f"（{rule_id}）" in line and line.startswith("- "))
        assert f"责任单位：{m.responsible_names('zh')}" in bullet, rule_id
        assert f"由{m.acting_names('zh')}落实：{m.action_zh}" in bullet, rule_id
    dispatch = next(line for line in markdown.splitlines() if "（ISO-USE）" in line and line.startswith("- "))
    assert "由市指挥部综合办落实：区县隔离房间使用率达到75%时" in dispatch
    english = render(compose_briefing(snapshot, "en"), "md").decode("utf-8")
    assert "Acting: General office of the city epidemic-prevention command. To do: At 75% room usage" in english


def test_a_snapshot_issued_before_rules_named_their_units_still_reads(snapshot):
    older = json.loads(canonical_json(snapshot))
    for rule in older["rules"].values():
        for key in ("responsible_zh", "responsible_en", "acting_zh", "acting_en", "responsibility_source",
                    "severity", "action_zh", "action_en", "ack_deadline"):
            rule.pop(key, None)
    lines = red_item_lines(older, "zh")
    assert lines and not any("责任单位" in sentence for _, sentence, _ in lines)
    assert all("责任单位" in sentence for _, sentence, _ in red_item_lines(snapshot, "zh"))


def test_the_dispatch_suggestion_names_the_nearest_lender_and_the_rooms(demo, snapshot, files):
    plan = run_metric(demo, "ISO-DISPATCH", as_of=AS_OF)
    assert list(plan["needy_district_code"].unique()) == ["500105"]
    lender = plan.iloc[0]
    markdown = files["md"].decode("utf-8")
    line = next(line for line in markdown.splitlines() if line.startswith("- 江北区隔离房间使用率"))
    assert "已达 75.0% 跨区调度线（003 第57条）" in line
    assert f"转出 {lender.need_rooms:,} 间" in line and f"南岸区（约 {lender.distance_km:.1f} 公里，可调出 {lender.spare_rooms:,} 间）" in line


def test_district_table_testing_and_timeliness_are_the_query_layers(demo, snapshot):
    usage = run_metric(demo, "ISO-USE", as_of=AS_OF).set_index("district_code")
    rows = {r["district_code"]: r for r in snapshot["district_table"]}
    assert len(rows) == 38
    assert rows["500105"]["room_usage"] == pytest.approx(usage.loc["500105", "value"], rel=1e-11)
    assert rows["500105"]["room_usage_red"] is True
    finished = run(demo, "briefing/test_rounds_finished", as_of=AS_OF)
    assert [f["round_id"] for f in snapshot["testing"]["finished"]] == list(finished["round_id"])
    assert snapshot["testing"]["active"] == []   # both rounds of the day finished by 18:00
    for entry in snapshot["timeliness"]:
        city = _city(run_metric(demo, entry["metric_id"], as_of=AS_OF))
        assert (entry["on_time"], entry["late"], entry["open_overdue"]) == (city["on_time"], city["late"], city["open_overdue"])


def test_no_personal_data_reaches_the_briefing(demo, snapshot, files):
    people = demo.execute(f"select {', '.join(PERSONAL_COLUMNS)} from persons "
                          "using sample 50 rows (reservoir, 7)").df()
    text = canonical_json(snapshot) + files["md"].decode("utf-8")
    assert len(people) == 50 and "id_card_number" in PERSONAL_COLUMNS
    for column in PERSONAL_COLUMNS:
        for value in people[column].dropna():
            if column == "full_name":  # names are not district names
                assert len(value) < 2 or value not in text.split("快照")[0].replace("江北区", "")
            else:
                assert value not in text


# --- the same as-of gives the same document --------------------------------------------------

def test_same_as_of_gives_the_same_snapshot_and_files_apart_from_the_stamp(demo, snapshot, files):
    again = build_snapshot(demo, AS_OF)
    assert canonical_json(again) == canonical_json(snapshot)
    doc = compose_briefing(again, "zh")
    doc.stamp = stamp_line(STAMP, "zh")
    assert render(doc, "docx") == files["docx"]
    assert render(doc, "pdf") == files["pdf"]
    doc.stamp = stamp_line(pd.Timestamp("2031-05-06 07:08:09"), "zh", "张三")
    later = render(doc, "md").decode("utf-8").splitlines()
    first = files["md"].decode("utf-8").splitlines()
    assert len(later) == len(first)
    assert [i for i, (a, b) in enumerate(zip(first, later)) if a != b] == [len(first) - 1]
    assert first[-1].startswith("生成于 2030-01-02") and "签发人：张三" in later[-1]


def test_the_footer_states_the_as_of_and_the_snapshots_sha256(snapshot, files):
    sha = snapshot_sha256(snapshot)
    assert sha == snapshot_sha256(json.loads(canonical_json(snapshot)))
    markdown = files["md"].decode("utf-8")
    assert f"数据快照 SHA-256：{sha}" in markdown and "数据时点 2022年7月24日18:00" in markdown
    assert "数据库数据截至 2022年8月5日18:00" in markdown


def test_a_later_moment_gives_another_snapshot(demo, snapshot):
    assert snapshot_sha256(build_snapshot(demo, AS_OF + pd.Timedelta(hours=2))) != snapshot_sha256(snapshot)


# --- exports open ----------------------------------------------------------------------------

def test_pdf_opens_with_the_text_and_the_pages_its_footer_counts(snapshot, files):
    reader = pypdf.PdfReader(io.BytesIO(files["pdf"]))
    pages = len(reader.pages)
    assert 3 <= pages <= 12
    texts = _pdf_texts(files["pdf"])
    assert len(texts) == pages
    whole = "".join(texts)
    for expected in ("重庆市疫情防控日报", "跨区调度建议", "江北区隔离房间使用率98.7%", "003第57条", "分区县情况",
                     "核酸检测进展", "流调与报告时效", snapshot_sha256(snapshot)):
        assert expected in whole, expected
    for number, text in enumerate(texts, start=1):
        assert f"{number}/{pages}" in text           # every page's footer: page / pages
        assert "数据时点2022年7月24日18:00" in text
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts   # the CJK font travels inside the PDF
    embedded = [reader.get_object(f)["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in
                {ref for page in reader.pages for ref in page["/Resources"]["/Font"].values()}]
    assert all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in embedded)
    assert reader.metadata.creation_date.strftime("%Y-%m-%d %H:%M") == "2022-07-24 18:00"


def test_docx_opens_with_the_text_tables_charts_and_fixed_properties(files):
    document = docx.Document(io.BytesIO(files["docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "重庆市疫情防控日报" in text and "江北区隔离房间使用率 98.7%" in text and "003 第57条" in text
    assert len(document.tables) >= 4 and len(document.inline_shapes) == 2
    district_table = next(t for t in document.tables if t.rows[0].cells[0].text == "区县")
    assert len(district_table.rows) == 39
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert "数据快照 SHA-256" in footer and "数据时点 2022年7月24日18:00" in footer
    # The as-of moment, Beijing time (DOCX keeps UTC): 18:00 +08:00 is 10:00 UTC.
    assert document.core_properties.created == pd.Timestamp("2022-07-24 18:00", tz="Asia/Shanghai").to_pydatetime()


def test_docx_laid_out_by_a_word_processor_has_the_pages_its_footer_counts(tmp_path, files):
    """python-docx cannot paginate: LibreOffice Writer lays the DOCX out (as Word would) and its
    PDF gives the page count, each page's "n / N" footer and the text."""
    source = tmp_path / "briefing.docx"
    source.write_bytes(files["docx"])
    result = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    texts = _pdf_texts((tmp_path / "briefing.pdf").read_bytes())
    pages = len(texts)
    assert 3 <= pages <= 12
    for number, text in enumerate(texts, start=1):
        assert f"{number}/{pages}" in text
        assert "数据快照SHA-256" in text
    whole = "".join(texts)
    for expected in ("重庆市疫情防控日报", "跨区调度建议", "江北区隔离房间使用率98.7%", "003第57条", "分区县情况"):
        assert expected in whole, expected


def test_the_previews_charts_draw_the_rows_of_the_files_charts(snapshot):
    """The page draws the two charts itself from these frames; the files draw PNGs of the same rows."""
    data = chart_data(snapshot, "zh")
    epi = data["epi_curve"]
    assert list(epi["date"]) == [d["date"][5:] for d in snapshot["epi_curve"]]
    assert list(epi["确诊"]) == [d["confirmed"] for d in snapshot["epi_curve"]]
    assert list(epi["无症状"]) == [d["asymptomatic"] for d in snapshot["epi_curve"]]
    usage = data["room_usage"]
    assert len(usage) == 12 and usage["usage"].is_monotonic_decreasing
    first = usage.iloc[0]
    assert (first["district"], round(first["usage"], 3), first["red"]) == ("江北区", 0.987, True)   # over 75 %
    assert not usage["red"].iloc[1:].any()
    assert chart_data(snapshot, "en")["room_usage"].iloc[0]["district"] == "Jiangbei District"


def test_english_uses_the_same_snapshot(snapshot):
    doc = compose_briefing(snapshot, "en", with_charts=False)
    markdown = to_markdown(doc)
    assert "Chongqing epidemic prevention and control daily briefing" in markdown
    assert "Jiangbei" in markdown and "98.7%" in markdown and "003 #57" in markdown
    assert snapshot_sha256(snapshot) in markdown
    assert not re.search(r"[\u4e00-\u9fff]", markdown.replace(snapshot["dataset"].get("time_zone", ""), "")
                         .split("Red items")[0].split("As of")[0] + markdown.split("\n")[0])


# --- the 2-hour testing bulletin -------------------------------------------------------------

def test_bulletin_names_the_districts_behind_and_the_late_reports(demo):
    bulletin = build_bulletin(demo, ROUND_AS_OF)
    rounds = run_metric(demo, "TEST-ROUND", as_of=ROUND_AS_OF)
    cadence = run_metric(demo, "TEST-CADENCE", as_of=ROUND_AS_OF)
    behind = rounds[rounds["district_code"].notna() & rounds["is_red"].astype(bool)]
    late = cadence[cadence["is_red"].astype(bool)]
    assert len(behind) >= 1 and len(late) >= 1
    doc = compose_bulletin(bulletin, "zh")
    markdown = to_markdown(doc)
    names = dict(demo.execute("select district_code, name_zh from districts").fetchall())
    behind_line = next(line for line in markdown.splitlines() if line.startswith("**进度滞后**："))
    late_line = next(line for line in markdown.splitlines() if line.startswith("**通报超时**："))
    assert {names[c] for c in behind["district_code"]} == {n for n in names.values() if n in behind_line}
    assert {names[c] for c in late["district_code"]} == {n for n in names.values() if n in late_line}
    for row in rounds[rounds["district_code"].notna()].itertuples():
        assert f"{row.numerator:,} ({format_value(row.value, 'share', 'zh')})" in markdown
        assert f"{row.people_tested:,}" in markdown
    assert "进度滞后" in "".join(_pdf_texts(render(doc, "pdf")))


def test_a_bold_lead_closes_where_markdown_lets_it(demo):
    # CommonMark does not close `**` right after a space, nor after punctuation followed by a
    # letter: "**进度滞后：**江北区" and "**Behind: **Jiangbei" showed their asterisks on the page.
    for lang, lead, expected in (("zh", "进度滞后：", "**进度滞后**：江北区"), ("en", "Behind: ", "**Behind**: Jiangbei")):
        doc = Document(kind="bulletin", lang=lang, title="t", subtitle="s", as_of="2022-08-05T18:00:00")
        doc.add(Paragraph("江北区" if lang == "zh" else "Jiangbei", lead=lead))
        doc.add(Bullets((Paragraph("江北区" if lang == "zh" else "Jiangbei", lead=lead),)))
        lines = to_markdown(doc).splitlines()
        assert expected in lines and f"- {expected}" in lines
    # The bulletin's leads and the briefing's rule leads ("隔离房间使用率（ISO-USE）："), both
    # languages: no bold ends in a space, nor in punctuation with a letter right after it.
    markdown = "".join(to_markdown(compose_bulletin(build_bulletin(demo, ROUND_AS_OF), lang))
                       + to_markdown(compose_briefing(build_snapshot(demo, AS_OF), lang, with_charts=False))
                       for lang in ("zh", "en"))
    bolds = re.findall(r"\*\*([^*\n]+)\*\*(.?)", markdown)
    assert len(bolds) > 10
    for inside, after in bolds:
        last = inside[-1]
        assert not last.isspace(), inside
        assert not (unicodedata.category(last).startswith("P") and after.isalnum()), (inside, after)


def test_bulletin_without_an_active_round_says_so(demo):
    markdown = to_markdown(compose_bulletin(build_bulletin(demo, AS_OF), "zh"))
    assert "无进行中的区域核酸检测轮次" in markdown


# --- issued briefings --------------------------------------------------------------------------

def test_issue_then_reopen_gives_the_briefing_exactly_as_issued(snapshot, tmp_path, monkeypatch):
    monkeypatch.setenv("SITREP_BRIEFINGS_DIR", str(tmp_path))
    issued = store.issue(snapshot, "值班员 张三", lang="zh", issued_at=STAMP)
    assert issued.path.parent == tmp_path and issued.meta["snapshot_sha256"] == snapshot_sha256(snapshot)
    assert (issued.path / "snapshot.json").read_text(encoding="utf-8") == canonical_json(snapshot)
    listed = store.list_issued()
    assert [i.id for i in listed] == [issued.id]
    again = store.load(issued.id)
    files, same = store.reopen(again)
    assert same and all(files[fmt] == again.file(fmt) for fmt in ("md", "docx", "pdf"))
    assert "签发人：值班员 张三" in again.file("md").decode("utf-8")
    # A stored snapshot changed after issue is refused.
    (issued.path / "snapshot.json").write_text(canonical_json({**snapshot, "as_of": "2022-07-25T18:00:00"}),
                                               encoding="utf-8")
    with pytest.raises(ValueError, match="changed after issue"):
        store.load(issued.id)
    with pytest.raises(ValueError):
        store.issue(snapshot, "  ", directory=tmp_path)


def test_compare_with_today_shows_late_data(demo_db_path, snapshot, tmp_path):
    copy = tmp_path / "late.duckdb"
    shutil.copy(demo_db_path, copy)
    con = duckdb.connect(str(copy))
    install_staging_views(con)
    assert store.compare(snapshot, build_snapshot(con, AS_OF)) == []
    # A stay recorded late: someone checked into a free room of 万州 at 10:00 on the 24th.
    room = con.execute("""
        select r.room_id from stg_rooms r
        where r.district_code = '500101' and r.room_id not in (
            select room_id from room_stays where check_in_at <= $t and (check_out_at is null or check_out_at > $t))
        order by r.room_id limit 1""", {"t": AS_OF}).fetchone()[0]
    con.execute("insert into room_stays values ((select max(stay_id) + 1 from room_stays), $room, "
                "(select max(person_id) from persons), 'arrival', null, $at, null)",
                {"room": room, "at": pd.Timestamp("2022-07-24 10:00")})
    current = build_snapshot(con, AS_OF)
    con.close()
    differences = {(d["where"], d["field"]): d for d in store.compare(snapshot, current)}
    occupied = differences[("district_table[district_code=500101]", "rooms_occupied")]
    assert occupied["current"] == occupied["issued"] + 1
    assert ("headline.now", "people_isolated") in differences
    assert snapshot_sha256(current) != snapshot_sha256(snapshot)


# --- command line --------------------------------------------------------------------------------

def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "sitrep", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=180, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})})


def test_briefing_command_writes_markdown_and_pdf_and_issues(demo_db_path, snapshot, tmp_path):
    sha = snapshot_sha256(snapshot)
    md = _cli("briefing", "--db", str(demo_db_path), "--as-of", "2022-07-24 18:00")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# 重庆市疫情防控日报") and sha in md.stdout and sha in md.stderr
    out = tmp_path / "b.pdf"
    pdf = _cli("briefing", "--db", str(demo_db_path), "--as-of", "2022-07-24 18:00", "--format", "pdf",
               "--lang", "en", "--out", str(out))
    assert pdf.returncode == 0, pdf.stderr
    assert "dailybriefing" in _pdf_texts(out.read_bytes())[0] and sha in "".join(_pdf_texts(out.read_bytes()))
    env = {"SITREP_BRIEFINGS_DIR": str(tmp_path / "issued")}
    issued = _cli("briefing", "--db", str(demo_db_path), "--as-of", "2022-07-24 18:00", "--issue", "--by", "李四",
                  env=env)
    assert issued.returncode == 0, issued.stderr
    listed = _cli("briefing", "--list", env=env)
    assert "李四" in listed.stdout and sha[:16] in listed.stdout
    issue_id = listed.stdout.split("\t")[0]
    compared = _cli("briefing", "--db", str(demo_db_path), "--compare", issue_id, env=env)
    assert compared.returncode == 0 and "0 values differ" in compared.stdout
    # An account whose role may not issue is refused (and audited); without --by, the operating-system
    # user issues it, under that name.
    refused = _cli("briefing", "--db", str(demo_db_path), "--as-of", "2022-07-24 18:00", "--issue", "--by",
                   "demo-analyst", env=env)
    assert refused.returncode != 0 and "analyst" in refused.stderr and "nothing was done" in refused.stderr
    assert audit.entries(demo_db_path, event=audit.ACCESS_REFUSED, login="demo-analyst").shape[0] >= 1
    by_os_user = _cli("briefing", "--db", str(demo_db_path), "--as-of", "2022-07-24 18:00", "--issue", env=env)
    assert by_os_user.returncode == 0, by_os_user.stderr
    assert getpass.getuser() in _cli("briefing", "--list", env=env).stdout


# --- the follow-through section (issue 14): the alerts as they stood at the as-of ----------------

def test_the_follow_through_reports_the_alerts_as_they_stood_and_ignores_later_events(demo, demo_db_path, tmp_path,
                                                                                      monkeypatch):
    from sitrep import access, alerts

    monkeypatch.setenv("SITREP_OPS", str(tmp_path / "ops.sqlite"))     # the session's demo store stays untouched
    issued = tmp_path / "issued"
    six_before = AS_OF - pd.Timedelta(hours=6)
    folder = issued / f"{six_before:%Y%m%d-%H%M}_20220724T130000_0123abcd"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"kind": "briefing", "as_of": six_before.isoformat(),
                                                  "issued_at": "2022-07-24T13:00:00"}))
    for hours in (8, 2, 0):
        moment = AS_OF - pd.Timedelta(hours=hours)
        alerts.sync(demo_db_path, red_list(demo, moment), moment)
    officer = access.User("zhang.san", "district_officer", ("500105",), unit="江北区疫情防控领导小组")
    states = alerts.states(demo_db_path, AS_OF)
    use = states[(states.rule_id == "ISO-USE") & (states.district_code == "500105")].alert_id.iloc[0]
    alerts.acknowledge(demo_db_path, use, officer, "收到", at=AS_OF - pd.Timedelta(hours=1))
    alerts.record_action(demo_db_path, use, officer, "已从渝北区调入房间", at=AS_OF - pd.Timedelta(minutes=30))

    snap = build_snapshot(demo, AS_OF, db=demo_db_path, briefings=issued)
    f = snap["follow_through"]
    assert f["previous_briefing"]["id"] == folder.name and f["since"] == "2022-07-24T12:00:00"
    states = alerts.states(demo_db_path, AS_OF)
    # No alert closed in 8 h (closing takes 6 h green), so none reopened: opened since 12:00 are the
    # alerts first opened at 16:00 or 18:00; the one acknowledgement, by its action (in hand).
    assert f["totals"]["opened"] == int((states.first_opened_at > six_before).sum()) > 0
    assert f["totals"]["closed"] == f["totals"]["reopened"] == 0
    assert (f["totals"]["acknowledged"], f["totals"]["in_hand_now"]) == (1, 1)
    assert f["totals"]["overdue_now"] == int(states.overdue.sum()) > 0
    assert {r["rule_id"] for r in f["by_rule"]} <= set(snap["rules"])      # their names kept, red now or not
    assert sum(r["opened"] for r in f["by_rule"]) == sum(r["opened"] for r in f["by_unit"]) == f["totals"]["opened"]
    assert [(a["rule_id"], a["district_code"]) for a in f["red_items"]] == [
        (i["rule_id"], i["district_code"]) for i in snap["red_items"]]
    mine = next(a for a in f["red_items"] if a["rule_id"] == "ISO-USE" and a["district_code"] == "500105")
    assert (mine["status"], mine["owner"], mine["owner_unit"]) == ("in_hand", "zhang.san", "江北区疫情防控领导小组")

    markdown = to_markdown(compose_briefing(snap, "zh", with_charts=False))
    bullet = next(line for line in markdown.splitlines() if "（ISO-USE）" in line and line.startswith("- "))
    assert "江北区 98.7%" in bullet and "〔处置中，zhang.san〕" in bullet
    assert "## 三、督办落实情况" in markdown and "自上期日报（截至2022年7月24日12:00）以来" in markdown
    english = to_markdown(compose_briefing(snap, "en", with_charts=False))
    assert "[in hand, zhang.san]" in english and "overdue for acknowledgement, longest first" in english
    doc = compose_briefing(snap, "zh", with_charts=False)
    word = "".join(p.text for p in docx.Document(io.BytesIO(render(doc, "docx"))).paragraphs)
    pdf = "".join(_pdf_texts(render(doc, "pdf")))
    for text in (word, _flat(pdf)):                  # the files carry the section too
        assert "督办落实情况" in text and "处置中，zhang.san" in _flat(text)

    # What is done after the as-of does not change the briefing of the as-of (its SHA checks it).
    overdue = states[states.overdue & (states.district_code == "500105")]
    assert len(overdue)
    alerts.acknowledge(demo_db_path, int(overdue.alert_id.iloc[0]), officer, "收到", at=AS_OF + pd.Timedelta(hours=1))
    alerts.sync(demo_db_path, red_list(demo, AS_OF + pd.Timedelta(hours=2)), AS_OF + pd.Timedelta(hours=2))
    assert snapshot_sha256(build_snapshot(demo, AS_OF, db=demo_db_path, briefings=issued)) == snapshot_sha256(snap)
    assert build_snapshot(demo, AS_OF + pd.Timedelta(hours=2), db=demo_db_path, briefings=issued)[
        "follow_through"]["totals"]["acknowledged"] == 2
