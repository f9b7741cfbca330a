"""数据与导出 Data and export: what the database holds, every table and every metric as a CSV
snapshot stamped with its as-of, and the settings in force.

The `persons` table (names, ID-card numbers, phones) is never offered: no role system exists yet."""

import dataclasses

import duckdb
import pandas as pd
import streamlit as st

from sitrep import registry, ui
from sitrep.db import dataset_info, table_names
from sitrep.export import csv_bytes, file_name
from sitrep.i18n import name_of, t

view = ui.current_view()
lang = view.lang
st.title(t("page_data", lang))
ui.as_of_caption(view)

WITHHELD = {"persons"}        # personal data: names, ID-card numbers, phones
PREVIEW_ROWS = 1_000
CHUNK_VECTORS = 100           # DuckDB vectors of 2,048 rows per CSV chunk

con = ui.reader()
# Whole tables hold everything up to the data's newest moment: their snapshot is stamped with it.
data_view = dataclasses.replace(view, as_of=view.newest)

# --- what the database holds ------------------------------------------------------------------
st.subheader(t("data_dataset", lang))
info = dataset_info(con)
left, right = st.columns([2, 3])
with left:
    ui.table(pd.DataFrame({"key": list(info), "value": list(info.values())}), "dataset_info", data_view,
             key="data-dataset-info-csv")
with right:
    names = table_names(con)
    counts = pd.DataFrame({
        "table": names,
        "rows": [con.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names],
        "exported": [t("flag_no" if name in WITHHELD else "flag_yes", lang) for name in names],
    })
    ui.table(counts.rename(columns={"table": t("field_table", lang), "rows": t("field_rows", lang),
                                    "exported": t("field_exported", lang)}),
             "table_row_counts", data_view, key="data-row-counts-csv")
st.caption(t("persons_withheld", lang))

# --- every table as a CSV snapshot ----------------------------------------------------------------
st.subheader(t("table_snapshots", lang))
offered = [name for name in names if name not in WITHHELD]
chosen = st.selectbox(t("choose_table", lang), offered, key="data_table")
total = int(counts.loc[counts["table"] == chosen, "rows"].iloc[0])
preview = con.execute(f'select * from "{chosen}" limit {PREVIEW_ROWS}').df()
st.dataframe(preview, hide_index=True, width="stretch")
st.caption(t("preview_note", lang, shown=f"{len(preview):,}", total=f"{total:,}",
             as_of=f"{view.newest:%Y-%m-%d %H:%M}"))
database = str(ui.database_path())


def whole_table(table: str = chosen) -> bytes:
    """The whole table, chunk by chunk through csv_bytes; built only when the button is clicked
    (on another thread, so through a connection of its own)."""
    own = duckdb.connect(database, read_only=True)
    try:
        result = own.execute(f'select * from "{table}"')
        parts, first = [], True
        while True:
            chunk = result.fetch_df_chunk(CHUNK_VECTORS)
            if chunk.empty and not first:
                break
            data = csv_bytes(chunk)
            if not first:  # later chunks: no BOM, no header
                data = data.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[1]
            parts.append(data)
            first = False
            if chunk.empty:
                break
        return b"".join(parts)
    finally:
        own.close()


st.download_button(f"⬇ {t('download_whole_table', lang, table=chosen, rows=f'{total:,}')}", data=whole_table,
                   file_name=file_name(chosen, view.newest), mime="text/csv", key="data-table-csv",
                   on_click="ignore")

# --- every metric as a CSV at the view's as-of ------------------------------------------------------
st.subheader(t("metric_snapshots", lang))
metric_ids = list(registry.metrics())
metric_id = st.selectbox(t("choose_metric", lang), metric_ids, key="data_metric",
                         format_func=lambda i: f"{i} {name_of(registry.metric(i), lang)}")
ui.table(ui.metric_frame(metric_id, view), metric_id, view, key="data-metric-csv")
ui.definition(metric_id, view)

# --- the settings in force --------------------------------------------------------------------------
st.subheader(t("settings_in_force", lang))
settings = pd.DataFrame([{"name": s.name, "value": str(s.value), "unit": s.unit, "doc": s.doc, "source": s.source,
                          "overridden": s.overridden} for s in ui.current_settings().values()])
ui.table(settings, "settings", view, key="data-settings-csv")
st.caption(t("settings_note", lang))
