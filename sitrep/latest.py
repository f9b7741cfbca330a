"""The latest picture: what the pages show of the newest data, computed once per data version.

Data changes only when a build or an import replaces the database file (sitrep.intake.run), a
few times an hour; most page views follow the newest data. So the reads of the newest moment --
the red list, every registry metric, the headline cards and whatever else pages read there -- are
computed once per version of the file, held in memory, and served to every session. A moment
pinned in the past is computed on demand (sitrep.ui.data caches it per version).

This module is the one place where "the data changed" is handled:
- `Pictures.watch()` starts a thread that notices a new version of the file (its modification
  time, polled every `picture_poll_seconds`) and computes its picture in the background, then
  calls every `on_ready` listener (the follow-through alerts of issue 14 open and close there);
- while a new version is computed, pages keep showing the previous one (`shown_version`),
  labelled with its data time; when it is ready they move on;
- without a watcher (the Streamlit test harness, `streamlit run app.py`), nothing is computed
  ahead: a page computes what it needs and `remember`s it for the sessions after it.

A read is known by what it is (a metric, a query, the red list, the briefing's snapshot...), its
name, its place and other parameters, the reader's districts (a district-bound user's picture is
their own), and its moment relative to the newest data (the overview's cards compare with 1 and
7 days before). What pages read at the newest moment is recorded, so the next version's picture
computes it too, and kept beside the database (DB.reads.json) for the next start.

No Streamlit here: sitrep.ui.data is the glue.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from sitrep import registry
from sitrep import settings as settings_module
from sitrep.db import ReadPool, VersionedPools, dataset_info, file_version
from sitrep.queries import QueryTimeout

log = logging.getLogger("sitrep.latest")

DAY, WEEK = pd.Timedelta(days=1), pd.Timedelta(days=7)
RECORDED_READS_KEPT = 3000      # the most recently used reads replayed for a new version


@dataclass(frozen=True)
class Read:
    """One read of the newest moment: `kind` (KINDS), `name` (a metric id or query name),
    `params` (sorted (name, value) pairs, as_of excluded), `scope` (the reader's districts; None:
    the whole city) and `offset` (as_of minus the data's newest moment)."""
    kind: str
    name: str
    params: tuple = ()
    scope: tuple[str, ...] | None = None
    offset: pd.Timedelta = pd.Timedelta(0)

    @classmethod
    def of(cls, kind: str, name: str, params: dict[str, Any], scope, newest: pd.Timestamp) -> "Read":
        as_of = pd.Timestamp(params.get("as_of", newest))
        rest = tuple(sorted((k, v) for k, v in params.items() if k != "as_of"))
        return cls(kind, name, rest, tuple(scope) if scope is not None else None, as_of - newest)

    def as_of(self, newest: pd.Timestamp) -> pd.Timestamp:
        return pd.Timestamp(newest) + self.offset

    def to_json(self) -> dict | None:
        """The read as JSON (None where a parameter is not plain: such a read is not kept)."""
        plain = (str, int, float, bool, type(None))
        if not all(isinstance(v, plain) for _, v in self.params):
            return None
        return {"kind": self.kind, "name": self.name, "params": [list(p) for p in self.params],
                "scope": list(self.scope) if self.scope is not None else None,
                "offset_minutes": self.offset / pd.Timedelta(minutes=1)}

    @classmethod
    def from_json(cls, data: dict) -> "Read":
        return cls(data["kind"], data["name"], tuple(tuple(p) for p in data["params"]),
                   tuple(data["scope"]) if data["scope"] is not None else None,
                   pd.Timedelta(minutes=data["offset_minutes"]))


def _compute_metric(con, read: Read, as_of: pd.Timestamp) -> pd.DataFrame:
    from sitrep.queries import run_metric
    return run_metric(con, read.name, as_of=as_of, **dict(read.params))


def _compute_query(con, read: Read, as_of: pd.Timestamp) -> pd.DataFrame:
    from sitrep.queries import run
    return run(con, read.name, as_of=as_of, **dict(read.params))


def _compute_red_list(con, read: Read, as_of: pd.Timestamp, computed: dict | None = None) -> pd.DataFrame:
    from sitrep.redlist import red_list
    return red_list(con, as_of, **dict(read.params), computed=computed)


def _compute_briefing_snapshot(con, read: Read, as_of: pd.Timestamp) -> dict:
    from sitrep.briefing.snapshot import build_snapshot
    return build_snapshot(con, as_of)


def _compute_bulletin(con, read: Read, as_of: pd.Timestamp) -> dict:
    from sitrep.briefing.bulletin import build_bulletin
    return build_bulletin(con, as_of)


# What a read can be, and how it is computed on a cursor of the version at a moment.
KINDS: dict[str, Callable[[Any, Read, pd.Timestamp], Any]] = {
    "metric": _compute_metric,
    "query": _compute_query,
    "red_list": _compute_red_list,
    "briefing_snapshot": _compute_briefing_snapshot,
    "bulletin": _compute_bulletin,
}

WHOLE_CITY = {"district_code": None, "township_code": None}


def seed_reads() -> list[Read]:
    """What a fresh install's first picture computes before any page has asked: the red list,
    every registry metric, the overview's headline cards (now, a day and a week before) and the
    rows behind them, and the briefing's and bulletin's snapshots, for the whole city."""
    def read(kind: str, name: str, offset=pd.Timedelta(0), **params) -> Read:
        return Read(kind, name, tuple(sorted({**WHOLE_CITY, **params}.items())), None, offset)

    reads = [read("red_list", "red_list"), read("query", "details/case_daily"),
             Read("briefing_snapshot", "briefing"), Read("bulletin", "bulletin")]
    reads += [read("metric", metric_id) for metric_id in registry.metrics()]
    for h in registry.headlines("overview"):
        for offset in (pd.Timedelta(0), -DAY, -WEEK):
            reads.append(read("query", h.query, offset) if h.query else read("metric", h.metric, offset))
        if h.detail:
            reads.append(read("metric", h.metric, query=h.detail))
    return list(dict.fromkeys(reads))


@dataclass
class Picture:
    """The reads of one version of the database at its newest moment."""
    version: int
    newest: pd.Timestamp
    frames: dict[Read, Any] = field(default_factory=dict)
    seconds: float = 0.0           # how long computing it took
    ready: bool = False


class Pictures:
    """The pictures of one database file: the newest ready one is what pages show."""

    def __init__(self, path: Path | str, pools: VersionedPools, seeds: Callable[[], list[Read]] | None = None):
        self.path = str(path)
        self.pools = pools
        self.seeds = seeds or seed_reads
        self._lock = threading.RLock()
        self._pictures: dict[int, Picture] = {}
        self._recorded: OrderedDict[Read, None] = OrderedDict()
        self._listeners: list[Callable[[Picture, ReadPool], None]] = []
        self._computing: int | None = None
        self._done = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        for read in self._load_recorded():
            self._recorded[read] = None
        self._load_picture()

    # --- what pages call -------------------------------------------------------------------
    @property
    def watching(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def shown_version(self) -> int | None:
        """The newest version whose picture is ready (None: none yet)."""
        with self._lock:
            ready = [v for v, p in self._pictures.items() if p.ready]
            return max(ready) if ready else None

    def computing(self) -> int | None:
        """The version being computed now, if any."""
        return self._computing

    def version_to_show(self, current: int) -> int:
        """The version a page run reads: the file's current one, unless a watcher is computing it
        and an earlier version's picture is ready (then that one: a page never waits on a new
        version). On a first start with nothing ready yet, waits for the first picture (up to
        `picture_first_wait_seconds`) rather than computing the same reads beside it."""
        with self._lock:
            if not self.watching:
                return current
            picture = self._pictures.get(current)
            if picture is not None and picture.ready:
                return current
            shown = self.shown_version()
            if shown is not None and shown < current and self.pools.get(self.path, shown) is not None:
                return shown
            if self._computing == current:
                self._done.wait_for(lambda: self._computing != current,
                                    timeout=settings_module.values()["picture_first_wait_seconds"])
            return current

    def lookup(self, version: int, read: Read):
        """The read's answer in that version's picture, or None. Recorded either way, so that the
        next version computes it ahead."""
        with self._lock:
            self._record(read)
            picture = self._pictures.get(version)
            return None if picture is None else picture.frames.get(read)

    def remember(self, version: int, newest: pd.Timestamp, read: Read, answer) -> None:
        """A page computed a read of the newest moment itself: keep it for every session after."""
        with self._lock:
            picture = self._pictures.get(version)
            if picture is None:
                picture = self._pictures[version] = Picture(version, pd.Timestamp(newest))
                self._forget_old()
            picture.frames[read] = answer

    def on_ready(self, listener: Callable[[Picture, ReadPool], None]) -> None:
        """Call listener(picture, pool) each time a version's picture is computed, just before pages
        are shown it (in the watcher's thread): the place to act on new data once, whoever is looking."""
        with self._lock:
            if listener not in self._listeners:
                self._listeners.append(listener)

    # --- the watcher -------------------------------------------------------------------------
    def watch(self) -> None:
        """Start the background thread (once): a new version of the file gets its picture."""
        with self._lock:
            if self.watching:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._watch, name=f"sitrep-latest:{Path(self.path).name}",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _watch(self) -> None:
        poll = settings_module.values()["picture_poll_seconds"]
        while not self._stop.is_set():
            try:
                version = file_version(self.path)
                if version and not self._is_ready(version):
                    self.compute(version)
            except Exception:  # noqa: BLE001 -- anything a computation raises (a file replaced mid-read,
                # a broken query): logged with its traceback for the operator; pages keep the previous
                # picture and compute on demand, and the next poll tries again.
                log.exception("computing the latest picture of %s failed", self.path)
                self._stop.wait(max(poll, 5.0))
            self._stop.wait(poll)

    def _is_ready(self, version: int) -> bool:
        with self._lock:
            picture = self._pictures.get(version)
            return picture is not None and picture.ready

    def compute(self, version: int | None = None) -> Picture:
        """Compute the picture of the file's current version (or `version`, if it is still the
        current one): the seed reads and every read recorded, then the listeners."""
        started = time.perf_counter()
        # The file's current version, whatever `version` was asked: if the file was replaced again
        # meanwhile, the newest is what counts.
        version, pool = self.pools.latest(self.path)
        with self._lock:
            self._computing = version
        try:
            newest = pd.Timestamp(dataset_info(pool.cursor(None))["data_as_of"])
            with self._lock:
                reads = list(dict.fromkeys([*self.seeds(), *reversed(self._recorded)]))
                known = self._pictures.get(version)
                frames = dict(known.frames) if known is not None else {}
            todo = [r for r in reads if r not in frames]

            def compute_one(read: Read):
                try:
                    return read, KINDS[read.kind](pool.cursor(read.scope), read, read.as_of(newest))
                except QueryTimeout:
                    return read, None       # left to the page, which says which query ran out of time
                except (KeyError, ValueError) as error:   # a read recorded by an older release
                    log.warning("latest picture: skipping %s: %s", read, error)
                    return read, None

            # Two threads: the reads are many and small; DuckDB parallelises the big ones itself.
            # The red lists last: each reuses the metrics of its moment, place and reader computed here.
            first = [r for r in todo if r.kind != "red_list"]
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sitrep-picture") as workers:
                for read, answer in workers.map(compute_one, first):
                    if answer is not None:
                        frames[read] = answer
            for read in (r for r in todo if r.kind == "red_list"):
                computed = {r.name: f for r, f in frames.items()
                            if r.kind == "metric" and r.params == read.params and r.scope == read.scope
                            and r.offset == read.offset}
                try:
                    frames[read] = _compute_red_list(pool.cursor(read.scope), read, read.as_of(newest), computed)
                except QueryTimeout:
                    pass                    # left to the page, which says which query ran out of time
            picture = Picture(version, newest, frames)
            # The listeners act before pages move to the new version, so that what they keep (the
            # follow-through alerts) matches the numbers shown beside it.
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(picture, pool)
                except Exception:  # noqa: BLE001 -- a listener's failure (its own bug, a locked store) is
                    # logged with its traceback for the operator; the picture is still shown.
                    log.exception("a listener of the latest picture of %s failed", self.path)
            picture.seconds, picture.ready = time.perf_counter() - started, True
            with self._lock:
                known = self._pictures.get(version)
                if known is not None:              # pages remembered reads meanwhile: keep them
                    picture.frames = {**known.frames, **picture.frames}
                self._pictures[version] = picture
                self._forget_old()
            log.info("latest picture of %s (data %s): %d reads in %.2f s", Path(self.path).name,
                     newest, len(picture.frames), picture.seconds)
            self._save_recorded()
            self._save_picture(picture)
            return picture
        finally:
            with self._lock:
                self._computing = None
                self._done.notify_all()

    # --- bookkeeping -------------------------------------------------------------------------
    def _record(self, read: Read) -> None:
        self._recorded[read] = None
        self._recorded.move_to_end(read)
        while len(self._recorded) > RECORDED_READS_KEPT:
            self._recorded.popitem(last=False)

    def _forget_old(self) -> None:
        # The two newest pictures stay: the one shown and the one being computed or just ready.
        for old in sorted(self._pictures)[:-2]:
            del self._pictures[old]

    # A restart with the same file shows its picture at once: the last picture is kept beside the
    # database (DB.picture.pickle), stamped with the file version and a fingerprint of what computed
    # it (the SQL, the registry, the settings in force). Pickle, because the frames and snapshots
    # must come back exactly; the file is written only by this process and sits in the data folder,
    # whose writers can already replace the database itself.
    def _picture_file(self) -> Path:
        return Path(self.path).with_suffix(".picture.pickle")

    def _save_picture(self, picture: Picture) -> None:
        path = self._picture_file()
        temp = path.with_suffix(f".tmp{os.getpid()}")
        try:
            with open(temp, "wb") as out:
                pickle.dump({"fingerprint": fingerprint(), "picture": picture}, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, path)
        except (OSError, pickle.PicklingError) as error:   # a read-only folder: the next start computes it
            log.warning("could not keep the latest picture in %s: %s", path, error)
            temp.unlink(missing_ok=True)

    def _load_picture(self) -> None:
        path = self._picture_file()
        try:
            with open(path, "rb") as kept:
                stored = pickle.load(kept)
        except FileNotFoundError:
            return
        except Exception as error:  # noqa: BLE001 -- a damaged or older file (unpickling raises many kinds):
            # logged; the picture is computed again as on a first start.
            log.warning("ignoring %s: %s", path, error)
            return
        picture = stored.get("picture") if isinstance(stored, dict) else None
        if (isinstance(picture, Picture) and stored.get("fingerprint") == fingerprint()
                and picture.version == file_version(self.path)):
            self._pictures[picture.version] = picture

    def _reads_file(self) -> Path:
        return Path(self.path).with_suffix(".reads.json")

    def _load_recorded(self) -> list[Read]:
        path = self._reads_file()
        try:
            return [Read.from_json(r) for r in json.loads(path.read_text(encoding="utf-8"))]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError) as error:   # a damaged or older file: start afresh
            log.warning("ignoring %s: %s", path, error)
            return []

    def _save_recorded(self) -> None:
        with self._lock:
            reads = [r.to_json() for r in self._recorded]
        path = self._reads_file()
        temp = path.with_suffix(f".tmp{os.getpid()}")
        try:
            temp.write_text(json.dumps([r for r in reads if r is not None], ensure_ascii=False), encoding="utf-8")
            os.replace(temp, path)
        except OSError as error:   # a read-only data folder: the next start computes the seed reads only
            log.warning("could not keep the recorded reads in %s: %s", path, error)


def alerts_listener(db: Path | str):
    """The listener that keeps the follow-through alerts (sitrep/alerts.py) in step with the data:
    each new version's red list (the picture's own, whole city) opens, marks and closes alerts before
    pages show the version."""
    def listener(picture: Picture, pool: ReadPool) -> None:
        from sitrep import alerts
        from sitrep.redlist import red_list

        items = picture.frames.get(Read("red_list", "red_list", tuple(sorted(WHOLE_CITY.items()))))
        if items is None:
            items = red_list(pool.cursor(None), picture.newest)
        alerts.sync(db, items, picture.newest)
    return listener


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    from sitrep import QUERIES_DIR
    from sitrep.registry import REGISTRY_FILE
    digest = hashlib.sha256()
    for path in sorted(QUERIES_DIR.rglob("*.sql")) + [Path(REGISTRY_FILE)]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def fingerprint() -> str:
    """What a kept picture was computed with: the queries, the registry and the settings in force."""
    settings_text = repr(sorted(settings_module.values().items()))
    return hashlib.sha256((_code_fingerprint() + settings_text).encode()).hexdigest()


# One set of pools and pictures per process: every session and the watcher share them.
_POOLS = VersionedPools(keep=3)
_PICTURES: dict[str, Pictures] = {}
_PICTURES_LOCK = threading.Lock()


def pools() -> VersionedPools:
    return _POOLS


def pictures(path: Path | str) -> Pictures:
    """The pictures of the database at `path` (one object per path and process)."""
    key = str(Path(path).resolve())
    with _PICTURES_LOCK:
        found = _PICTURES.get(key)
        if found is None:
            found = _PICTURES[key] = Pictures(path, _POOLS)
        return found
