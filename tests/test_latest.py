"""The latest picture (sitrep/latest.py): the newest moment's reads computed once per data version,
served to every session, computed ahead in the background, and the previous version shown while a
new one is computed."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pandas as pd
import pytest

from sitrep import latest
from sitrep.db import VersionedPools, connect_read, dataset_info, file_version, new_cursor
from sitrep.redlist import red_list


@pytest.fixture()
def db_copy(demo_db_path, tmp_path):
    path = tmp_path / "sitrep.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def replace_file(path) -> int:
    """Replace the database the way an import does (a copy renamed over it): a new version."""
    before = file_version(path)
    temp = path.with_suffix(".new")
    shutil.copy(path, temp)
    os.replace(temp, path)
    while file_version(path) == before:      # a file system with coarse times: make the version move
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))
    return file_version(path)


def one_metric() -> list[latest.Read]:
    """A small first picture, where a test is about what happens around it."""
    return [latest.Read("metric", "ISO-USE", tuple(sorted(latest.WHOLE_CITY.items())))]


def newest_of(path) -> pd.Timestamp:
    con = connect_read(path)
    try:
        return pd.Timestamp(dataset_info(con)["data_as_of"])
    finally:
        con.close()


def test_the_picture_holds_the_red_list_every_metric_and_the_cards_as_computed_directly(db_copy):
    pictures = latest.Pictures(db_copy, VersionedPools())
    picture = pictures.compute()
    newest = newest_of(db_copy)
    assert picture.ready and picture.version == file_version(db_copy) and picture.newest == newest
    assert set(latest.seed_reads()) <= set(picture.frames)

    con = connect_read(db_copy)
    cur = new_cursor(con, scope=None)
    direct = red_list(cur, newest)
    served = picture.frames[latest.Read("red_list", "red_list", tuple(sorted(latest.WHOLE_CITY.items())))]
    assert len(direct) > 0
    pd.testing.assert_frame_equal(served, direct)
    # A card's number a week before the newest moment is the metric at that moment.
    week_before = latest.Read("metric", "CASE-NEW", tuple(sorted(latest.WHOLE_CITY.items())), None, -latest.WEEK)
    from sitrep.queries import run_metric
    pd.testing.assert_frame_equal(picture.frames[week_before],
                                  run_metric(cur, "CASE-NEW", as_of=newest - latest.WEEK))
    con.close()


def test_a_read_a_page_made_is_computed_ahead_for_the_next_version_and_kept_for_the_next_start(db_copy):
    pictures = latest.Pictures(db_copy, VersionedPools(), seeds=one_metric)
    first = pictures.compute()
    district_read = latest.Read("metric", "ISO-USE", (("district_code", "500105"), ("township_code", None)),
                                ("500105",))
    assert pictures.lookup(first.version, district_read) is None       # not in the first picture...
    second = pictures.compute(replace_file(db_copy))
    assert second.version != first.version
    answer = pictures.lookup(second.version, district_read)            # ...computed ahead in the next
    assert answer is not None and set(answer["district_code"].dropna()) == {"500105"}

    restarted = latest.Pictures(db_copy, VersionedPools(), seeds=one_metric)            # a new process reads DB.reads.json
    assert district_read in restarted.compute().frames


def test_a_district_users_reads_are_their_own(db_copy):
    pictures = latest.Pictures(db_copy, VersionedPools(), seeds=one_metric)
    picture = pictures.compute()
    city = latest.Read("metric", "ISO-USE", tuple(sorted(latest.WHOLE_CITY.items())))
    mine = latest.Read("metric", "ISO-USE", tuple(sorted(latest.WHOLE_CITY.items())), ("500105",))
    assert pictures.lookup(picture.version, city) is not None
    assert pictures.lookup(picture.version, mine) is None   # never the city's answer for a district account
    scoped = pictures.compute(replace_file(db_copy)).frames[mine]
    assert set(scoped["district_code"].dropna()) == {"500105"}


def test_while_a_new_version_is_computed_pages_show_the_previous_one_then_move_on(db_copy, monkeypatch):
    """The watcher thread (as serve.py starts it): a new file version is computed in the background;
    meanwhile version_to_show gives the previous version; when it is ready, the new one, and the
    listeners are told once per version."""
    release = threading.Event()
    monkeypatch.setitem(latest.KINDS, "held", lambda con, read, as_of: release.wait(60) and pd.DataFrame({"x": [1]}))
    pictures = latest.Pictures(db_copy, VersionedPools(keep=3), seeds=one_metric)
    told = []
    pictures.on_ready(lambda picture, pool: told.append(picture.version))
    release.set()
    pictures.watch()
    try:
        first = file_version(db_copy)
        deadline = time.monotonic() + 120
        while pictures.shown_version() != first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pictures.shown_version() == first and told == [first]
        assert pictures.version_to_show(first) == first

        pictures.lookup(first, latest.Read("held", "held"))     # a read the next version will wait on
        release.clear()
        second = replace_file(db_copy)
        while pictures.computing() != second and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pictures.computing() == second
        assert pictures.version_to_show(second) == first        # the previous version, not a wait

        release.set()
        while pictures.shown_version() != second and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pictures.version_to_show(second) == second
        assert told == [first, second]
    finally:
        release.set()
        pictures.stop()


def test_a_restart_shows_the_kept_picture_of_the_same_file_at_once_and_never_of_another(db_copy, monkeypatch):
    first = latest.Pictures(db_copy, VersionedPools(), seeds=one_metric).compute()
    read = one_metric()[0]
    restarted = latest.Pictures(db_copy, VersionedPools(), seeds=one_metric)
    assert restarted.shown_version() == first.version                  # before any computation
    pd.testing.assert_frame_equal(restarted.lookup(first.version, read), first.frames[read])

    monkeypatch.setattr(latest, "fingerprint", lambda: "other settings or SQL")
    assert latest.Pictures(db_copy, VersionedPools(), seeds=one_metric).shown_version() is None
    monkeypatch.undo()
    replace_file(db_copy)                                               # an import replaced the file
    assert latest.Pictures(db_copy, VersionedPools(), seeds=one_metric).shown_version() is None
