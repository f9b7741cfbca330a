"""The five-level drill-down (issue 14 #7; notice 003 #64): district -> township/street ->
village/community -> grid -> building in the place filter, the URL carrying the level; metrics
narrow as far as their rows carry a place, and say where they stop; a place outside a district
officer's districts is refused at every level."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from sitrep import queries
from tests.login import app_test

JIANGBEI = "500105"
TOWNSHIP = "500105002"           # 江北区 观音桥街道 (NBS code)
COMMUNITY = "500105002001"
GRID = "50010500200105"          # the demo grid of Jiangbei with the most cases
BUILDING = "JB-0001"             # a building code in the district's own numbering
PEAK = pd.Timestamp("2022-07-24 18:00")
MOMENT = "2022-07-24T18:00"
LEVEL_LINKS = [
    {"district": JIANGBEI},
    {"district": JIANGBEI, "township": TOWNSHIP},
    {"district": JIANGBEI, "township": TOWNSHIP, "community": COMMUNITY},
    {"district": JIANGBEI, "township": TOWNSHIP, "community": COMMUNITY, "grid": GRID},
]


@pytest.fixture()
def on_demo(demo_db_path, monkeypatch):
    monkeypatch.setenv("SITREP_DB", str(demo_db_path))
    return demo_db_path


@pytest.fixture()
def with_buildings(demo_db_path, tmp_path, monkeypatch):
    """A copy of the demo database with two buildings (the demo has none): one in the grid above,
    one in 渝中区 (500103), numbered as a district numbers them (not by the district code)."""
    path = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = duckdb.connect(str(path))
    con.execute("insert into buildings values (?, ?, ?, ?, '某小区3栋', 120), (?, ?, ?, ?, '某路12号', 80)",
                [BUILDING, GRID, COMMUNITY, JIANGBEI, "YZ-0007", "50010300100101", "500103001001", "500103"])
    con.close()
    monkeypatch.setenv("SITREP_DB", str(path))
    return path


# --- the query layer: how far each metric narrows ------------------------------------------------

def test_each_metric_says_the_finest_level_its_rows_carry():
    assert queries.finest_level("metrics/case_new") == "grid"          # cases carry their grid
    assert queries.finest_level("metrics/con_flow") == "community"     # contacts their community
    assert queries.finest_level("metrics/iso_use") == "township"       # facilities their township
    at_grid = {"district_code": JIANGBEI, "township_code": TOWNSHIP, "community_code": COMMUNITY, "grid_code": GRID}
    assert queries.narrowed_to("CASE-NEW", at_grid) is None
    assert queries.narrowed_to("CON-FLOW", at_grid) == "community"
    assert queries.narrowed_to("ISO-USE", at_grid) == "township"
    assert queries.narrowed_to("ISO-USE", {"district_code": JIANGBEI, "township_code": TOWNSHIP}) is None
    assert queries.narrowed_to("ISO-USE", {}) is None


def test_a_metric_narrowed_to_a_grid_counts_that_grids_cases(demo):
    rows = queries.run_metric(demo, "CASE-NEW", as_of=PEAK, district_code=JIANGBEI, township_code=TOWNSHIP,
                              community_code=COMMUNITY, grid_code=GRID)
    row = rows[rows["district_code"] == JIANGBEI].iloc[0]
    # By hand: the grid's cases confirmed by the peak, none excluded by then; those of the last 24 h.
    cumulative, last_day = demo.execute(
        """select count(*), count(*) filter (where c.confirmed_at > $t - interval '24' hour)
           from cases c
           where c.grid_code = $grid and c.confirmed_at <= $t
             and not exists (select 1 from case_classifications k where k.case_id = c.case_id
                             and k.classification = 'excluded' and k.classified_at <= $t)""",
        {"t": PEAK, "grid": GRID}).fetchone()
    assert (row["cumulative"], row["new_total"]) == (cumulative, last_day) == (21, 3)


def test_a_metric_narrowed_to_a_community_counts_that_communitys_contacts(demo):
    place = {"district_code": JIANGBEI, "township_code": TOWNSHIP}
    township = queries.run_metric(demo, "CON-FLOW", as_of=PEAK, **place)
    community = queries.run_metric(demo, "CON-FLOW", as_of=PEAK, community_code=COMMUNITY, **place)
    by_hand = demo.execute("select count(*) from contacts where community_code = $c and identified_at <= $t",
                           {"c": COMMUNITY, "t": PEAK}).fetchone()[0]
    assert community.loc[community["district_code"] == JIANGBEI, "identified"].iloc[0] == by_hand == 841
    assert township.loc[township["district_code"] == JIANGBEI, "identified"].iloc[0] == 1448   # the township: more


def test_a_grid_on_a_metric_whose_rows_carry_no_grid_reads_the_community(demo):
    place = {"district_code": JIANGBEI, "township_code": TOWNSHIP, "community_code": COMMUNITY}
    community = queries.run_metric(demo, "CON-FLOW", as_of=PEAK, **place)
    grid = queries.run_metric(demo, "CON-FLOW", as_of=PEAK, grid_code=GRID, **place)
    pd.testing.assert_frame_equal(community, grid)


# --- the URL carries the level ---------------------------------------------------------------------

def _view_after(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state["view"]


@pytest.mark.parametrize("link", LEVEL_LINKS, ids=lambda link: list(link)[-1])
def test_a_link_at_each_level_reproduces_the_view_and_the_page_draws(on_demo, link):
    at = app_test(role="leadership", default_timeout=240)
    at.query_params["as_of"] = MOMENT
    for key, code in link.items():
        at.query_params[key] = code
    view = _view_after(at)
    assert {k: v for k, v in view.place.items() if v} == {f"{k}_code": v for k, v in link.items()}
    assert {k: at.query_params[k] for k in link} == link            # written back unchanged
    assert view.level == list(link)[-1]
    captions = [c.value for c in at.caption]
    if list(link)[-1] == "district":
        assert any("各乡镇/街道" in c for c in captions)               # the map drilled to townships
    if list(link)[-1] in ("community", "grid"):
        assert any("本指标最细到乡镇/街道" in c for c in captions)     # ISO-USE, the map's metric
    assert at.metric


def test_a_link_naming_only_a_grid_fills_in_the_levels_above(on_demo):
    at = app_test(role="leadership", default_timeout=240)
    at.query_params["as_of"] = MOMENT
    at.query_params["grid"] = GRID
    view = _view_after(at)
    assert (view.district_code, view.township_code, view.community_code, view.grid_code) == \
        (JIANGBEI, TOWNSHIP, COMMUNITY, GRID)
    assert at.query_params["community"] == COMMUNITY and at.query_params["district"] == JIANGBEI


def test_a_link_to_a_building_reproduces_the_view(with_buildings):
    at = app_test(role="leadership", default_timeout=240)
    at.query_params["as_of"] = MOMENT
    at.query_params["grid"] = GRID
    at.query_params["building"] = BUILDING
    view = _view_after(at)
    assert (view.grid_code, view.building_code, view.level) == (GRID, BUILDING, "building")
    assert at.query_params["building"] == BUILDING
    assert at.selectbox(key="building").value == BUILDING


# --- out of scope at every level ----------------------------------------------------------------------

@pytest.mark.parametrize("place", [("community", "500108001001"), ("grid", "50010800100101")])
def test_a_link_to_a_finer_place_in_another_district_is_refused(on_demo, place):
    key, code = place
    at = app_test(role="district_officer", districts=(JIANGBEI,), default_timeout=180)
    at.query_params["as_of"] = MOMENT
    at.query_params[key] = code
    at.run()
    assert not at.exception, at.exception
    assert any("无权查看" in e.value and code in e.value for e in at.error)
    assert not at.dataframe and not at.metric


def test_a_building_is_refused_by_its_district_not_its_code(with_buildings):
    at = app_test(role="district_officer", districts=(JIANGBEI,), default_timeout=180)
    at.query_params["as_of"] = MOMENT
    at.query_params["building"] = "YZ-0007"        # in 渝中区, though its code names no district
    at.run()
    assert not at.exception, at.exception
    assert any("无权查看" in e.value and "YZ-0007" in e.value for e in at.error)
    assert not at.metric


def test_a_district_officers_own_community_is_answered(on_demo):
    at = app_test(role="district_officer", districts=(JIANGBEI,), default_timeout=180)
    at.query_params["as_of"] = MOMENT
    at.query_params["community"] = COMMUNITY
    view = _view_after(at)
    assert view.community_code == COMMUNITY
    assert not any("无权查看" in e.value for e in at.error) and at.metric


def _pages():
    from tests.test_jurisdiction_pages import _pages as view_data_pages
    return view_data_pages()


@pytest.mark.parametrize("page", _pages())
def test_every_page_draws_at_the_grid_level(on_demo, page):
    at = app_test(role="leadership", default_timeout=240)
    at.query_params["as_of"] = MOMENT
    at.query_params["grid"] = GRID
    _view_after(at)
    at.switch_page(page)
    view = _view_after(at)
    assert view.grid_code == GRID and at.query_params["grid"] == GRID


def test_a_place_picked_on_the_map_resets_the_levels_below_it():
    from sitrep.ui.view_state import _apply_picked_place

    state = {"district": JIANGBEI, "township": TOWNSHIP, "community": COMMUNITY, "grid": GRID, "building": BUILDING,
             "place_picked": ("township", "500105008")}
    _apply_picked_place(state)
    assert state == {"district": JIANGBEI, "township": "500105008", "community": "", "grid": "", "building": ""}
    _apply_picked_place(state)          # nothing picked: nothing changes
    assert state["township"] == "500105008"
