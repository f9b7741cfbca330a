"""The error report: one line per problem, naming file, row, column, value and reason in
Chinese and English, for the screen, the CLI and the download.

Values of personal columns (name, ID-card number, phone) are masked: the report is a file that
travels, and the officer who needs the full value has it in the file they loaded.
"""

from __future__ import annotations

import pandas as pd

from sitrep.i18n import CATALOGUE
from sitrep.intake.specs import TableSpec
from sitrep.personal import is_personal

REPORT_COLUMNS = ["文件 file", "行 row", "列 column", "值 value", "原因", "reason", "代码 code"]


def mask(value: str | None, column: str) -> str | None:
    if value is None or pd.isna(value):
        return None
    text = str(value)
    if column == "full_name":
        return text[:1] + "*" * max(1, len(text) - 1)
    if column == "id_card_number":
        return text[:6] + "*" * max(0, len(text) - 10) + text[-4:] if len(text) > 10 else "*" * len(text)
    if column == "phone":
        return text[:3] + "*" * max(0, len(text) - 7) + text[-4:] if len(text) > 7 else "*" * len(text)
    return text


def reason_text(code: str, detail: str, lang: str) -> str:
    key = f"intake_reason_{code}"
    if key not in CATALOGUE:
        return code
    template = CATALOGUE[key][lang]
    detail = "" if detail is None or (not isinstance(detail, str) and pd.isna(detail)) else str(detail)
    return template.format(detail=detail,
                           detail_zh=f"，是否应为“{detail}”？" if detail else "",
                           detail_en=f" (did you mean \"{detail}\"?)" if detail else "")


def report_frame(problems: pd.DataFrame, file_name: str, spec: TableSpec | None = None) -> pd.DataFrame:
    personal = {}
    if spec is not None:
        for col in spec.columns:
            if is_personal(col.name):
                for header in col.headers:
                    personal[header.strip().lower()] = col.name
    rows = []
    for p in problems.itertuples(index=False):
        person_column = personal.get(str(p.column).strip().lower())
        value = mask(p.value, person_column) if person_column else (None if p.value is None or pd.isna(p.value)
                                                                      else str(p.value))
        rows.append({
            "文件 file": file_name,
            "行 row": None if pd.isna(p.row) else int(p.row),
            "列 column": p.column,
            "值 value": value,
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
