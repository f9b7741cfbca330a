"""The 2-hour testing bulletin (核酸检测进度快报): for each active round, sampled, resulted and
positive by district against the 24-hour deadline, the districts projected to miss it, and the
round-districts whose last progress report is older than the 2-hour cadence.

Numbers are TEST-ROUND's and TEST-CADENCE's rows at the as-of moment (metrics/test_round.sql,
metrics/test_cadence.sql): "behind" is TEST-ROUND's red (projected past the deadline, or past
it unfinished), "report overdue" is TEST-CADENCE's red. Same snapshot rules as the briefing.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from sitrep import registry
from sitrep import settings as settings_module
from sitrep.briefing.snapshot import CADENCE_COLUMNS, ROUND_COLUMNS, plain, records, stamp
from sitrep.db import dataset_info, scope_of
from sitrep.queries import run_metric

SCHEMA = "sitrep-bulletin/1"


def build_bulletin(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp) -> dict:
    as_of = pd.Timestamp(as_of)
    info = dataset_info(con)
    rounds = run_metric(con, "TEST-ROUND", as_of=as_of)
    cadence = run_metric(con, "TEST-CADENCE", as_of=as_of)
    names = dict(con.execute("select round_id, name_zh from testing_rounds").fetchall())
    districts = con.execute("select district_code, name_zh, name_en from districts order by district_code").df()
    values = settings_module.values()
    rules = {}
    for metric_id in ("TEST-ROUND", "TEST-CADENCE"):
        m = registry.metric(metric_id)
        rules[metric_id] = {"name_zh": m.name_zh, "name_en": m.name_en, "red_when": m.red_when,
                            "red_when_zh": m.red_when_zh, "source": m.source}
    scope = scope_of(con)    # a district account's bulletin: its districts only, and says so
    return {
        **({"scope": list(scope)} if scope is not None else {}),
        "schema": SCHEMA,
        "as_of": stamp(as_of),
        "data_as_of": plain(pd.Timestamp(info["data_as_of"])) if info.get("data_as_of") else None,
        "settings": {k: plain(values[k]) for k in ("testing_round_deadline_hours", "testing_report_cadence_hours")},
        "rules": rules,
        "districts": {c: {"name_zh": z, "name_en": e} for c, z, e in districts.itertuples(index=False)},
        "round_names_zh": {r: names.get(r) for r in sorted(set(rounds["round_id"]))},
        "rounds": records(rounds, ROUND_COLUMNS),
        "cadence": records(cadence, CADENCE_COLUMNS),
    }
