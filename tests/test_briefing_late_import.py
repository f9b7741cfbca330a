"""Issues 5 and 6 together: a briefing is issued, a duty officer then loads a file with a case
confirmed before the briefing's moment, and comparing the issued briefing with today's view of
the same moment shows the late case: nothing else changed."""

import shutil

import pandas as pd

from sitrep.briefing import store
from sitrep.briefing.snapshot import build_snapshot
from sitrep.db import connect_read, install_staging_views
from sitrep.intake.run import import_file
from sitrep.intake.values import id_card_with_check_digit

AS_OF = pd.Timestamp("2022-07-24 18:00")
HEADER = ["病例编号", "姓名", "身份证号", "分类", "区县", "来源", "发现途径", "采样时间", "初筛阳性时间",
          "复核确认时间", "转归"]


def _snapshot(db):
    con = connect_read(db)
    install_staging_views(con)
    try:
        return build_snapshot(con, AS_OF)
    finally:
        con.close()


def test_a_case_loaded_after_issue_shows_as_late_data(demo_db_path, tmp_path):
    db = tmp_path / "sitrep.duckdb"
    shutil.copyfile(demo_db_path, db)
    issued = store.issue(_snapshot(db), "值班员甲", directory=tmp_path / "briefings")
    late_case = [[9_000_001, "迟报", id_card_with_check_digit("50010519800101003"), "确诊", "江北", "本土", "社会面",
                  "2022-07-24 06:00", "2022-07-24 09:00", "2022-07-24 10:00", "在院"]]
    data = pd.DataFrame(late_case, columns=HEADER).to_csv(index=False).encode("gb18030")
    outcome = import_file(db, data, "病例补报.csv", "cases", by="值班员乙")
    assert outcome.status == "applied", outcome.problems

    differences = {(d["where"], d["field"]): d for d in store.compare(issued.snapshot, _snapshot(db))}
    new_confirmed = differences[("headline.now", "new_confirmed")]
    assert new_confirmed["current"] == new_confirmed["issued"] + 1
    # Re-opening still gives the briefing exactly as issued.
    _, same = store.reopen(store.load(issued.id, tmp_path / "briefings"))
    assert same
