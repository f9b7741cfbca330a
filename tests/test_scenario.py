"""The synthetic scenario: deterministic, internally consistent, and red where it should be.

Each red condition of the rulebook must occur at least once, so every page and rule has
something to show; the checks here are plain SQL over the built demo database.
"""

import hashlib

import pandas as pd
import pytest

from sitrep.reference import load_communities, load_townships
from sitrep.scenario.build import generate
from sitrep.scenario.core import DATA_END, id_check_digit
from tests.conftest import scalar


def _fingerprint(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    return {name: hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes()).hexdigest()
            for name, frame in tables.items() if not name.startswith("_")}


def test_same_seed_gives_identical_data_and_another_seed_does_not():
    first = _fingerprint(generate(seed=7).tables)
    again = _fingerprint(generate(seed=7).tables)
    other = _fingerprint(generate(seed=8).tables)
    assert first == again
    assert first["cases"] != other["cases"]
    assert first["districts"] == other["districts"]  # reference data does not depend on the seed


def test_dataset_info_records_scale_seed_and_as_of(demo):
    info = dict(demo.execute("select key, value from dataset_info").fetchall())
    assert info["scenario_scale"] == "demo"
    assert pd.Timestamp(info["data_as_of"]) == DATA_END
    assert info["time_zone"] == "Asia/Shanghai"


def test_every_fact_sits_on_a_known_place_of_the_five_level_chain(demo):
    for table, column in [("cases", "district_code"), ("contacts", "district_code"),
                          ("facilities", "district_code"), ("risk_areas", "district_code"),
                          ("testing_round_targets", "district_code"), ("screening_tasks", "district_code"),
                          ("arrivals", "district_code"), ("investigations", "district_code")]:
        orphans = scalar(demo, f"select count(*) from {table} t where not exists "
                               f"(select 1 from districts d where d.district_code = t.{column})")
        assert orphans == 0, table
    # Lower levels nest: a code starts with its parent's code and the parent exists.
    assert scalar(demo, "select count(*) from townships t left join districts d using (district_code) "
                        "where d.district_code is null or not starts_with(t.township_code, t.district_code)") == 0
    assert scalar(demo, "select count(*) from communities c left join townships t using (township_code) "
                        "where t.township_code is null or not starts_with(c.community_code, c.township_code)") == 0
    assert scalar(demo, "select count(*) from grids g left join communities c using (community_code) "
                        "where c.community_code is null") == 0
    assert scalar(demo, "select count(*) from cases c left join grids g using (grid_code) "
                        "where c.grid_code is not null and g.grid_code is null") == 0


def test_census_population_is_kept_exactly_and_unknown_stays_unknown(demo):
    assert scalar(demo, "select sum(population_2020) from districts") == 30_404_149
    assert scalar(demo, "select count(*) from districts where population_2020 is null") == 2
    # Townships split the census figure exactly; no figure is invented below an unknown one.
    mismatched = scalar(demo, """
        select count(*) from districts d join (
            select district_code, sum(population) as pop, count(population) as known
            from townships group by district_code) t using (district_code)
        where (d.population_2020 is null and t.known > 0) or d.population_2020 <> t.pop""")
    assert mismatched == 0


def test_townships_and_communities_are_the_reference_lists_with_a_synthetic_split(demo):
    """Codes, names and kinds are the NBS list's (data/reference); populations a split of it."""
    townships = demo.execute("select township_code, district_code, name_zh, kind from townships "
                             "order by township_code").fetchall()
    assert townships == [(t.code, t.district_code, t.name_zh, t.kind) for t in load_townships()]
    communities = demo.execute("select community_code, township_code, district_code, name_zh, kind "
                               "from communities order by community_code").fetchall()
    assert communities == [(c.code, c.township_code, c.district_code, c.name_zh, c.kind)
                           for c in load_communities()]
    assert ("500105001", "500105", "华新街街道", "street") in townships
    # Each township's figure is split exactly among its communities; none where it has none.
    mismatched = scalar(demo, """
        select count(*) from townships t join (
            select township_code, sum(population) as pop, count(population) as known
            from communities group by township_code) c using (township_code)
        where (t.population is null and c.known > 0) or t.population <> c.pop""")
    assert mismatched == 0
    # Grids are synthetic: 3-6 per community, coded community code + 2 digits.
    assert scalar(demo, "select count(*) from grids where grid_code not like community_code || '__'") == 0
    per_community = demo.execute("select min(n), max(n) from (select count(*) as n from grids "
                                 "group by community_code)").fetchone()
    assert per_community == (3, 6)
    assert scalar(demo, "select count(distinct community_code) from grids") == 11270


def test_every_transfer_comes_after_its_identification(demo):
    assert scalar(demo, "select count(*) from contacts where transferred_at < identified_at") == 0
    assert scalar(demo, "select count(*) from contacts where reached_at < identified_at") == 0
    assert scalar(demo, "select count(*) from contacts where transferred_at is not null "
                        "and isolation_mode <> 'centralized'") == 0
    # A transfer is the contact's check-in to the room.
    assert scalar(demo, """select count(*) from contacts c join room_stays s using (contact_id)
                           where s.check_in_at <> c.transferred_at""") == 0


def test_rooms_hold_one_person_except_the_intended_accompanied_stays(demo):
    overlaps = demo.execute("""
        select a.person_kind, b.person_kind
        from room_stays a join room_stays b
          on a.room_id = b.room_id and a.stay_id < b.stay_id
         and a.check_in_at < coalesce(b.check_out_at, timestamp '9999-12-31')
         and b.check_in_at < coalesce(a.check_out_at, timestamp '9999-12-31')""").fetchall()
    assert overlaps, "the scenario means to show at least one single-occupancy breach"
    assert all("other" in pair for pair in overlaps), overlaps


def test_nothing_happens_after_the_end_of_the_data(demo):
    for table, column in [("cases", "confirmed_at"), ("cases", "discharged_at"), ("contacts", "transferred_at"),
                          ("room_stays", "check_in_at"), ("room_stays", "check_out_at"),
                          ("investigations", "full_trace_done_at"), ("testing_progress_reports", "reported_at"),
                          ("screening_tasks", "checked_at"), ("risk_areas", "lifted_at")]:
        assert scalar(demo, f"select count(*) from {table} where {column} > $end", end=DATA_END) == 0, table


def test_id_card_numbers_carry_a_valid_gb11643_check_digit(demo):
    assert id_check_digit("11010519491231002") == "X"  # the standard's worked example
    sample = [r[0] for r in demo.execute("select id_card_number from persons using sample 2000 rows").fetchall()]
    assert sample and all(len(n) == 18 and id_check_digit(n[:17]) == n[17] for n in sample)


RED_CONDITIONS = {
    "ISO-USE: a district reaches 75% room usage": """
        with moments as (select unnest(generate_series(timestamp '2022-07-10', timestamp '2022-08-05 18:00',
                                                       interval 6 hour)) as at),
        rooms_in_district as (select f.district_code, r.room_id from rooms r join facilities f using (facility_id)
                              where f.assessed_at <= timestamp '2022-08-05 18:00'),
        occupied as (select m.at, d.district_code, count(distinct s.room_id) as n from moments m
                     join room_stays s on s.check_in_at <= m.at and (s.check_out_at is null or s.check_out_at > m.at)
                     join rooms_in_district d using (room_id) group by all)
        select count(*) from occupied o join (select district_code, count(*) as rooms from rooms_in_district
                                              group by all) r using (district_code) where o.n >= 0.75 * r.rooms""",
    "ISO-RESERVE: a district below 60 rooms per 10,000": """
        select count(*) from (select f.district_code, sum(f.rooms_planned) as rooms from facilities f group by all) r
        join districts d using (district_code) where r.rooms < 60 * d.population_2020 / 10000""",
    "ISO-COMMISSION: rooms used before the facility passed assessment": """
        select count(*) from room_stays s join rooms r using (room_id) join facilities f using (facility_id)
        where s.check_in_at < f.assessed_at""",
    "CON-TRANSFER: a close contact moved after more than 8 h": """
        select count(*) from contacts where contact_type = 'close'
        and transferred_at > identified_at + interval 8 hour""",
    "CON-SEPARATE: a case on a contacts' run": """
        select count(*) from (select transport_run_id from transport_passengers group by all
                              having count(distinct passenger_kind) = 2)""",
    "CASE-SOCIAL: a positive found in society": "select count(*) from cases where found_in = 'social' and confirmed_at is not null",
    "CASE-SUSPECT: a suspected case converted to confirmed": """
        select count(*) from case_classifications s join case_classifications c using (case_id)
        where s.classification = 'suspected' and c.classification = 'confirmed' and c.classified_at > s.classified_at""",
    "CASE-RETEST: a day-3 re-test missed": """
        select count(*) from cases where discharged_at + interval 3 day <= timestamp '2022-08-05 18:00'
        and retest_day3_at is null""",
    "EPI-ARRIVE: team on site after 2 h": "select count(*) from investigations where team_on_site_at > positive_confirmed_at + interval 2 hour",
    "EPI-CORE: core information after 4 h": "select count(*) from investigations where core_info_done_at > positive_confirmed_at + interval 4 hour",
    "EPI-FULL: full trace after 24 h": "select count(*) from investigations where full_trace_done_at > positive_confirmed_at + interval 24 hour",
    "EPI-ASSIST: assist letter after 2 h": "select count(*) from assist_letters where sent_at > identified_at + interval 2 hour",
    "EPI-REPORT: reported after 2 h": "select count(*) from cases where reported_at > prelim_positive_at + interval 2 hour",
    "EPI-PUBLISH: published after 5 h": "select count(*) from cases where published_at > confirmed_at + interval 5 hour",
    "SCR-8H: a pushed list checked after 8 h": """
        select count(*) from screening_tasks where list_type <> 'roaming' and checked_at > pushed_at + interval 8 hour""",
    "SCR-24H: a roaming list checked after 24 h": """
        select count(*) from screening_tasks where list_type = 'roaming' and checked_at > pushed_at + interval 24 hour""",
    "SCR-OUTCOME: unverifiable people awaiting police review": """
        select count(*) from screening_tasks where outcome in ('unverifiable', 'not_in_chongqing') and police_review_at is null""",
    "SCR-ARRIVAL: an unregistered arrival": "select count(*) from arrivals where registered_at is null",
    "TEST-CADENCE: a gap of more than 2 h between progress reports": """
        select count(*) from (select reported_at - lag(reported_at) over (partition by round_id, district_code
                              order by reported_at) as gap from testing_progress_reports) where gap > interval 2 hour""",
    "TEST-POOL: a pool ratio that does not match the risk level": """
        select count(*) from testing_round_targets
        where pool_size <> case risk_level when 'high' then 1 when 'medium' then 5 else 10 end""",
    "TEST-SITES: a community of 3,000+ without a sampling site": """
        select count(*) from communities c where c.population >= 3000
        and not exists (select 1 from sampling_sites s where s.community_code = c.community_code)""",
    "TEST-OCCUP: an occupational test day short": "select count(*) from occupational_testing where people_tested < people_due",
    "RISK-STAFF: a high-risk area staffed below 10%": """
        select count(*) from risk_area_support_reports s join risk_areas a using (risk_area_id)
        where a.level = 'high' and s.staff_on_duty < 0.10 * a.residents""",
    "RISK-SUPPLY: a high-risk area with under 15 days of supplies": "select count(*) from risk_area_support_reports where supply_days < 15",
    "RISK-AREAS: an area lifted (快封快解)": "select count(*) from risk_areas where lifted_at is not null",
}


@pytest.mark.parametrize("condition", sorted(RED_CONDITIONS))
def test_the_scenario_shows_every_red_condition_at_least_once(demo, condition):
    assert scalar(demo, RED_CONDITIONS[condition]) > 0, condition


def test_a_testing_round_runs_past_its_24_hour_deadline_somewhere(demo):
    """TEST-ROUND: some district is still short of its target when the deadline passes."""
    late = scalar(demo, """
        with last_before_deadline as (
            select p.round_id, p.district_code, max(p.people_sampled) as sampled
            from testing_progress_reports p join testing_rounds r using (round_id)
            where p.reported_at <= r.deadline_at group by all),
        targets as (select round_id, district_code, sum(target_population) as target
                    from testing_round_targets group by all)
        select count(*) from last_before_deadline join targets using (round_id, district_code)
        join testing_rounds r using (round_id)
        where r.deadline_at <= timestamp '2022-08-05 18:00' and sampled < target""")
    assert late > 0


def test_an_active_testing_round_runs_at_the_end_of_the_data(demo):
    assert scalar(demo, "select count(*) from testing_rounds where started_at <= $end and deadline_at > $end",
                  end=DATA_END) > 0
