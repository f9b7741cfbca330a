"""Templates to fill in: Chinese headers, one sample row, and each column's rules."""

from __future__ import annotations

import io

import pandas as pd

from sitrep.export import csv_bytes
from sitrep.intake.specs import KINDS, TableSpec


def rules_frame(spec: TableSpec, lang: str = "zh") -> pd.DataFrame:
    """One line per column: header, English name, required, kind, accepted values, note."""
    rows = []
    for col in spec.columns:
        kind_zh, kind_en = KINDS[col.kind]
        accepted = ""
        if col.values:
            accepted = ("；" if lang == "zh" else "; ").join(f"{labels[0]}（{stored}）" if lang == "zh" else f"{stored} ({labels[0]})"
                                for stored, labels in col.values.items())
        elif col.minimum is not None or col.maximum is not None:
            accepted = f"{col.minimum if col.minimum is not None else ''}–{col.maximum if col.maximum is not None else ''}"
        key = "是" if col.name in spec.key else ""
        if lang == "zh":
            rows.append({"列名": col.zh, "英文列名": col.name, "必填": "是" if col.required else "",
                         "主键": key, "类型": kind_zh, "可选值或范围": accepted, "说明": col.note_zh,
                         "其他可用列名": "、".join(col.aliases)})
        else:
            rows.append({"header": col.zh, "name": col.name, "required": "yes" if col.required else "",
                         "key": "yes" if key else "", "kind": kind_en, "accepted": accepted, "note": col.note_en,
                         "other headers": ", ".join(col.aliases)})
    return pd.DataFrame(rows)


def sample_frame(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame([[col.example for col in spec.columns]], columns=[col.zh for col in spec.columns])


def template_csv(spec: TableSpec) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it as Chinese."""
    return csv_bytes(sample_frame(spec))


def template_xlsx(spec: TableSpec) -> bytes:
    """Sheet 1: headers and a sample row (all cells text, so IDs keep their digits); sheet 2: rules."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    data = book.active
    data.title = spec.zh
    data.append([col.zh for col in spec.columns])
    data.append([col.example or None for col in spec.columns])
    for cell in data[2]:
        cell.number_format = "@"
    for cell in data[1]:
        cell.font = Font(bold=True)
    for i, col in enumerate(spec.columns, start=1):
        data.column_dimensions[data.cell(1, i).column_letter].width = max(12, len(col.zh) * 2 + 4)
    notes = book.create_sheet("填写说明 rules")
    notes.append([f"{spec.zh}（{spec.en}）：来源 {spec.source_zh}；主键 {'、'.join(spec.column(k).zh for k in spec.key)}。"
                  "日期时间按北京时间填写，如 2022-07-28 14:05。第 1 行为表头，从第 2 行起每行一条记录。" + spec.note_zh])
    notes.append([])
    for lang in ("zh", "en"):
        frame = rules_frame(spec, lang)
        notes.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            notes.append(list(row))
        notes.append([])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
