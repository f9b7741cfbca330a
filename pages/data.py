"""数据与导出 Data and export: loading the day's files (checked, then applied atomically), the
import log, what the database holds, every table and every metric as a CSV snapshot stamped with
its as-of, and the settings in force.

Personal tables (sitrep.personal: `persons`, with names, ID-card numbers, phones) are never offered.
The import section is for roles that may import, downloads for roles that may export (sitrep.access);
what a district officer sees is their districts' (every read goes through their scoped cursor)."""

import dataclasses
import hashlib

import pandas as pd
import streamlit as st

from sitrep import access, audit, database_path, registry, ui
from sitrep import export
from sitrep.db import connect_read, dataset_info, new_cursor
from sitrep.export import csv_bytes, file_name
from sitrep.i18n import name_of, t
from sitrep.intake import report as intake_report
from sitrep.intake import specs as intake_specs
from sitrep.intake import templates as intake_templates
from sitrep.intake.run import check_file, import_file, import_log, log_refusal
from sitrep.settings import current as current_settings

view = ui.current_view()
lang = view.lang
st.title(t("page_data", lang))
ui.as_of_caption(view)

PREVIEW_ROWS = current_settings()["display_row_limit"].value   # as many as any table shows

con = ui.reader()
user = ui.current_user()
# Whole tables hold everything up to the data's newest moment: their snapshot is stamped with it.
data_view = dataclasses.replace(view, as_of=view.newest)

# --- loading a delivered file: check first, then apply in one step ----------------------------------
# Only a role that may import sees this section (sitrep.access.IMPORT_DATA).
def load_files() -> None:
    st.subheader(t("intake_title", lang))
    st.caption(t("intake_note", lang))
    spec_names = list(intake_specs.TABLES)
    target = st.selectbox(t("intake_table", lang), spec_names, key="intake_table",
                          format_func=lambda n: f"{intake_specs.TABLES[n].zh} · {n}")
    spec = intake_specs.table(target)
    stamp = pd.Timestamp.now().floor("s")
    left, right, rules_col = st.columns([1, 1, 3])
    left.download_button(f"⬇ {t('intake_template_xlsx', lang)}", data=intake_templates.template_xlsx(spec),
                         file_name=f"{spec.name}_模板.xlsx", key="intake-template-xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button(f"⬇ {t('intake_template_csv', lang)}", data=intake_templates.template_csv(spec),
                          file_name=f"{spec.name}_模板.csv", mime="text/csv", key="intake-template-csv")
    with rules_col.expander(t("intake_rules", lang, table=spec.zh)):
        st.caption(t("intake_rules_note", lang, source=spec.source_zh,
                     keys="、".join(spec.column(k).zh for k in spec.key)))
        st.dataframe(intake_templates.rules_frame(spec, lang), hide_index=True, width="stretch")

    # A new key after each import empties the uploader: the file just loaded is not offered again.
    uploads = st.session_state.setdefault("intake_uploads", 0)
    upload = st.file_uploader(t("intake_upload", lang), type=["csv", "txt", "xlsx"], key=f"intake_file_{uploads}")
    operator = user.login        # the import log names the logged-in user, never a typed name
    st.caption(t("intake_operator_is", lang, login=operator))
    ignore_extra = st.checkbox(t("intake_ignore_extra", lang), key="intake_ignore_extra")
    done = st.session_state.pop("intake_done", None)
    if done:
        st.success(done)
    if upload is not None:
        data = upload.getvalue()
        check_key = (upload.name, hashlib.sha256(data).hexdigest(), target, ignore_extra, ui.data_version())
        if st.session_state.get("intake_check_key") != check_key:
            with st.spinner(t("intake_checking", lang)):
                outcome, _ = check_file(con, data, upload.name, target, ignore_extra=ignore_extra)
            if not outcome.ok:      # a refused file is logged once (the check is kept for this file)
                outcome.import_id = log_refusal(database_path(), outcome, by=operator, via="upload")
            st.session_state["intake_check_key"], st.session_state["intake_check"] = check_key, outcome
        outcome = st.session_state["intake_check"]
        c = outcome.counts
        if outcome.ignored_headers:
            st.warning(t("intake_ignored", lang, columns="、".join(outcome.ignored_headers)))
        if outcome.ok:
            st.info(t("intake_valid", lang, rows=f"{outcome.rows_in_file:,}", encoding=outcome.encoding,
                      inserted=f"{c.inserted:,}", updated=f"{c.updated:,}", unchanged=f"{c.unchanged:,}"))
            if st.button(t("intake_apply", lang, table=spec.zh), type="primary", key="intake_apply"):
                bar = st.progress(0.0)
                result = import_file(database_path(), data, upload.name, target, by=operator, via="upload",
                                     ignore_extra=ignore_extra,
                                     progress=lambda label, fraction: bar.progress(fraction, text=label))
                bar.empty()
                if result.ok:
                    r = result.counts
                    st.session_state["intake_done"] = t(
                        "intake_applied", lang, file=result.file_name, number=result.import_id,
                        inserted=f"{r.inserted:,}", updated=f"{r.updated:,}", unchanged=f"{r.unchanged:,}",
                        seconds=f"{result.seconds:.1f}")
                    st.session_state.pop("intake_check_key", None)
                    st.session_state["intake_uploads"] = uploads + 1
                    st.rerun()
                else:  # the database changed between the check and the import, and the file no longer fits
                    st.session_state["intake_check_key"], st.session_state["intake_check"] = check_key, result
                    st.rerun()
        else:
            problems = intake_report.report_frame(outcome.problems, outcome.file_name, spec)
            st.error(t("intake_rejected", lang, problems=f"{len(problems):,}", rows=f"{outcome.rows_rejected:,}",
                       total=f"{outcome.rows_in_file:,}"))
            shown = problems.drop(columns=["reason" if lang == "zh" else "原因"]).head(PREVIEW_ROWS)
            st.dataframe(shown, hide_index=True, width="stretch")
            st.download_button(f"⬇ {t('intake_report_download', lang)}", data=csv_bytes(problems),
                               file_name=file_name(f"{outcome.file_name}_问题清单", stamp), mime="text/csv",
                               key="intake-report-csv")


if access.can(user, access.IMPORT_DATA):
    load_files()

# Accepted and refused imports alike, from the operational store (sitrep.opstore), read afresh
# on every run: a refusal does not change the database, so the data version says nothing of it.
st.subheader(t("intake_log", lang))
log = import_log(database_path())
if len(log):
    statuses = {"applied": t("import_status_applied", lang), "rejected": t("import_status_rejected", lang),
                "started": t("import_status_started", lang), "interrupted": t("import_status_interrupted", lang)}
    log = log.assign(status=log["status"].map(statuses).fillna(log["status"]))
    ui.table(ui.readable(log, view), "import_log", data_view, key="data-import-log-csv")
    st.caption(t("import_log_note", lang))
else:
    st.caption(t("intake_log_empty", lang))

# --- what the database holds ------------------------------------------------------------------
st.subheader(t("data_dataset", lang))
info = dataset_info(con)
left, right = st.columns([2, 3])
with left:
    ui.table(pd.DataFrame({"key": list(info), "value": list(info.values())}), "dataset_info", data_view,
             key="data-dataset-info-csv")
with right:
    counts = export.row_counts(con)
    shown = counts.assign(exported=[t("cci_yes" if e else "cci_no", lang) for e in counts["exported"]])
    ui.table(shown.rename(columns={"table": t("field_table", lang), "rows": t("field_rows", lang),
                                   "exported": t("field_exported", lang)}),
             "table_row_counts", data_view, key="data-row-counts-csv")
st.caption(t("persons_withheld", lang))

# --- every table as a CSV snapshot ----------------------------------------------------------------
st.subheader(t("table_snapshots", lang))
offered = list(counts.loc[counts["exported"], "table"])
chosen = st.selectbox(t("field_table", lang), offered, key="data_table")
total = int(counts.loc[counts["table"] == chosen, "rows"].iloc[0])
preview = export.preview(con, chosen, PREVIEW_ROWS)
st.dataframe(preview, hide_index=True, width="stretch")
st.caption(t("preview_note", lang, shown=f"{len(preview):,}", total=f"{total:,}",
             as_of=f"{view.newest:%Y-%m-%d %H:%M}"))
database = str(database_path())
scope = ui.reading_scope()


def whole_table(table: str = chosen) -> bytes:
    """The whole table, chunk by chunk (sitrep.export.table_csv); built only when the button is clicked
    (on another thread, so through a connection of its own, bound to the user's districts as every
    read is), and written to the audit log."""
    own = connect_read(database)
    try:
        data = export.table_csv(new_cursor(own, scope=scope), table)
    finally:
        own.close()
    audit.record(database_path(), audit.EXPORT, user=user, object=table, scope=scope,
                 details={"rows": total, "as_of": f"{view.newest:%Y-%m-%d %H:%M}", "format": "csv"})
    return data


if access.can(user, access.EXPORT):
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
                          "overridden": s.overridden} for s in current_settings().values()])
ui.table(settings, "settings", view, key="data-settings-csv")
st.caption(t("settings_note", lang))
