"""Home: what the database holds and up to when. The full overview is a separate page."""

import pandas as pd
import plotly.express as px
import streamlit as st

from sitrep.db import dataset_info, table_names
from sitrep.queries import run
from sitrep.ui import reader

con = reader()
info = dataset_info(con)
as_of = pd.Timestamp(info["data_as_of"])

st.title("重庆市疫情防控指挥部 · 态势感知")
st.caption(f"数据截至 Data as of **{as_of:%Y-%m-%d %H:%M}** (Asia/Shanghai) · "
           f"情景 scenario: {info['scenario_scale']}, seed {info['scenario_seed']} · "
           "合成演示数据 synthetic demo data")

summary = run(con, "overview/dataset_summary", as_of=as_of).iloc[0]
usage = summary["rooms_occupied"] / summary["rooms"] if summary["rooms"] else float("nan")
cols = st.columns(5)
cols[0].metric("累计阳性 Positives", f"{summary['positives']:,}")
cols[1].metric("密接与次密接 Contacts", f"{summary['contacts']:,}")
cols[2].metric("已启用隔离房间 Rooms", f"{summary['rooms']:,}")
cols[3].metric("全市房间使用率 Room usage", f"{usage:.1%}")
cols[4].metric("现有风险区 Risk areas", f"{summary['risk_areas']:,}")

daily = run(con, "overview/daily_new_positives", as_of=as_of)
labels = {"confirmed": "确诊 confirmed", "asymptomatic": "无症状 asymptomatic"}
daily["classification"] = daily["classification"].map(labels)
fig = px.bar(daily, x="confirmed_on", y="new_positives", color="classification",
             labels={"confirmed_on": "确认日期 date confirmed", "new_positives": "新增 new",
                     "classification": ""},
             title="每日新增阳性 Daily new positives")
fig.update_layout(legend=dict(orientation="h"), margin=dict(t=50, b=10))
st.plotly_chart(fig, width="stretch")

with st.expander("数据表 Tables in the database"):
    counts = pd.DataFrame(
        [(t, con.execute(f'select count(*) from "{t}"').fetchone()[0]) for t in table_names(con)],
        columns=["table", "rows"])
    st.dataframe(counts, hide_index=True, width="stretch")
