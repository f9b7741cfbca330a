"""The error report: one line per problem, naming file, row, column, value and reason in
Chinese and English, for the screen, the CLI and the download.

Personal data is masked by what it is (sitrep.personal): a value in a column whose header names
a personal column (after normalisation: `身 份 证 号`, `姓  名`), and any value, header, file name
or detail that holds an ID-card number or a phone. The report is a file that travels; the officer
who needs the full value has it in the file they loaded. report_frame is the one place this
happens: the page, the CSV download and the CLI all show its frame.
"""

from __future__ import annotations

import pandas as pd

from sitrep.i18n import CATALOGUE, t
from sitrep.intake.specs import TableSpec
from sitrep.personal import is_personal, mask_text, mask_value, personal_column_of

# Each problem code of sitrep.intake -> the key of its reason (sitrep/words/intake.toml). A code
# two checks share reads the same words (below_minimum and above_maximum: "outside the allowed range").
REASONS = {
    "empty_file": "intake_reason_empty_file",
    "no_rows": "intake_reason_no_rows",
    "bad_encoding": "intake_reason_bad_encoding",
    "bad_csv": "intake_reason_bad_csv",
    "bad_csv_fields": "intake_reason_bad_csv_fields",
    "bad_csv_quote": "intake_reason_bad_csv_quote",
    "bad_xlsx": "intake_reason_bad_xlsx",
    "bad_sheet": "intake_reason_bad_sheet",
    "no_visible_sheet": "intake_reason_no_visible_sheet",
    "old_xls": "intake_reason_old_xls",
    "html_file": "intake_reason_html_file",
    "not_text": "intake_reason_not_text",
    "no_header": "intake_reason_no_header",
    "formula_no_value": "intake_reason_formula_no_value",
    "unreadable_value": "intake_reason_unreadable_value",
    "database_error": "intake_reason_database_error",
    "unknown_column": "intake_reason_unknown_column",
    "duplicate_column": "intake_reason_duplicate_column",
    "missing_column": "intake_reason_missing_column",
    "missing_person_columns": "intake_reason_missing_person_columns",
    "required_empty": "intake_reason_required_empty",
    "time_missing": "intake_reason_time_missing",
    "no_such_date": "intake_reason_no_such_date",
    "ambiguous_date": "intake_reason_ambiguous_date",
    "bad_datetime": "intake_reason_bad_datetime",
    "too_early": "intake_reason_too_early",
    "in_future": "intake_reason_in_future",
    "not_a_number": "intake_reason_not_a_number",
    "not_whole": "intake_reason_not_whole",
    "negative": "intake_reason_negative",
    "below_minimum": "intake_reason_below_minimum",
    "too_large": "intake_reason_too_large",
    "too_long": "intake_reason_too_long",
    "not_allowed": "intake_reason_not_allowed",
    "id_card_shape": "intake_reason_id_card_shape",
    "id_card_15": "intake_reason_id_card_15",
    "id_card_excel_number": "intake_reason_id_card_excel_number",
    "person_name_conflict": "intake_reason_person_name_conflict",
    "id_card_check_digit": "intake_reason_id_card_check_digit",
    "id_card_birth_date": "intake_reason_id_card_birth_date",
    "phone_format": "intake_reason_phone_format",
    "unknown_district": "intake_reason_unknown_district",
    "unknown_township": "intake_reason_unknown_township",
    "unknown_community": "intake_reason_unknown_community",
    "place_outside_district": "intake_reason_place_outside_district",
    "person_missing": "intake_reason_person_missing",
    "duplicate_key": "intake_reason_duplicate_key",
    "person_conflict": "intake_reason_person_conflict",
    "unknown_person": "intake_reason_unknown_person",
    "name_needed": "intake_reason_name_needed",
    "unknown_reference": "intake_reason_unknown_reference",
    "order": "intake_reason_order",
    "order_strict": "intake_reason_order_strict",
    "order_count": "intake_reason_order_count",
    "secondary_needs_via": "intake_reason_secondary_needs_via",
    "outcome_needs_check": "intake_reason_outcome_needs_check",
    "check_needs_outcome": "intake_reason_check_needs_outcome",
    "classified_at_needed": "intake_reason_classified_at_needed",
    "code_not_nested": "intake_reason_code_not_nested",
    "passenger_id_for_kind": "intake_reason_passenger_id_for_kind",
    "table_missing": "intake_reason_table_missing",
    "above_maximum": "intake_reason_below_minimum",
    "file_too_big": "intake_reason_file_too_big",
    "too_many_rows": "intake_reason_too_many_rows",
    "too_many_columns": "intake_reason_too_many_columns",
    "xlsx_unpacks_too_big": "intake_reason_xlsx_unpacks_too_big",
    "cell_too_long": "intake_reason_cell_too_long",
}

REPORT_COLUMNS = ["文件 file", "行 row", "列 column", "值 value", "原因", "reason", "代码 code"]


VALUE_LIMIT = 60          # a value is cut to this many characters in the report


def mask(value: str | None, column: str | None) -> str | None:
    """A value as the report shows it (sitrep.personal.mask_value), cut to VALUE_LIMIT characters."""
    shown = mask_value(value, column)
    if shown is not None and len(shown) > VALUE_LIMIT:
        shown = shown[:VALUE_LIMIT - 1] + "…"
    return shown


def personal_headers(spec: TableSpec | None) -> dict[str, tuple[str, ...]]:
    """The headers an intake spec accepts for each personal column."""
    if spec is None:
        return {}
    return {col.name: col.headers for col in spec.columns if is_personal(col.name)}


def reason_text(code: str, detail: str, lang: str) -> str:
    if code not in REASONS:
        return code
    template = CATALOGUE[REASONS[code]][lang]
    detail = "" if detail is None or (not isinstance(detail, str) and pd.isna(detail)) else mask_text(str(detail))
    suggestion = t("intake_did_you_mean", lang, detail=detail) if detail else ""
    return template.format(detail=detail, suggestion=suggestion)


def report_frame(problems: pd.DataFrame, file_name: str, spec: TableSpec | None = None) -> pd.DataFrame:
    labels = personal_headers(spec)
    rows = []
    for p in problems.itertuples(index=False):
        column = "" if p.column is None or (not isinstance(p.column, str) and pd.isna(p.column)) else str(p.column)
        rows.append({
            "文件 file": mask_text(file_name),
            "行 row": None if pd.isna(p.row) else int(p.row),
            "列 column": mask(column, None),
            "值 value": mask(p.value, personal_column_of(column, labels)),
            "原因": reason_text(p.reason, p.detail, "zh"),
            "reason": reason_text(p.reason, p.detail, "en"),
            "代码 code": p.reason,
        })
    return pd.DataFrame(rows, columns=REPORT_COLUMNS).astype({"行 row": "Int64"})


def report_text(report: pd.DataFrame, limit: int = 50) -> str:
    """Plain lines for the terminal: file:row  column  value  原因 / reason."""
    lines = []
    for r in report.head(limit).itertuples(index=False):
        where = f"{r[0]}:{r[1]}" if not pd.isna(r[1]) else r[0]
        value = f" = {r[3]!r}" if not pd.isna(r[3]) else ""
        column = f" [{r[2]}]" if r[2] else ""
        lines.append(f"{where}{column}{value}: {r[4]} / {r[5]}")
    if len(report) > limit:
        lines.append(f"… 另有 {len(report) - limit} 个问题 / {len(report) - limit} more problems (--report FILE writes all)")
    return "\n".join(lines)
