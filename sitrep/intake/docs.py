"""The column rules of every importable table as Markdown: `docs/intake-columns.md`.

    python -m sitrep.intake.docs > docs/intake-columns.md

A test fails when the file no longer matches the specs.
"""

from __future__ import annotations

from sitrep.intake import specs
from sitrep.intake.report import reason_text
from sitrep.intake.templates import rules_frame


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    lines = ["# Importable tables and their columns", "",
             "Generated from `sitrep/intake/specs.py` by `python -m sitrep.intake.docs`; do not edit by hand.",
             "Headers are matched in Chinese or English (case and spaces ignored). Dates and times are",
             "Beijing time. How an import works: `docs/intake.md`.", ""]
    for spec in specs.TABLES.values():
        key = ", ".join(f"{spec.column(k).zh} (`{k}`)" for k in spec.key)
        lines += [f"## `{spec.name}` · {spec.zh} ({spec.en})", "",
                  f"From: {spec.source_zh}. Key: {key}.", ""]
        if spec.orders:
            lines.append("Time order: " + "; ".join(
                f"{spec.column(o.later).zh} {'>' if o.strict else '≥'} {spec.column(o.earlier).zh}"
                for o in spec.orders) + ".")
        if spec.references:
            lines.append("Must exist: " + "; ".join(f"{spec.column(r.column).zh} → `{r.table}.{r.target}`"
                                                    for r in spec.references) + ".")
        if spec.rules:
            checks = dict.fromkeys(f"{spec.column(r.column).zh}: {reason_text(r.reason, '', 'en')}" for r in spec.rules)
            lines.append("Also checked: " + "; ".join(checks) + ".")
        if spec.due:
            lines.append("Due times (never move the data's as-of time): " + "; ".join(
                spec.column(c).zh for c in spec.due) + ".")
        if spec.person:
            lines.append("People: matched by ID-card number; a new person needs a name. Names, ID numbers and "
                         "phones go to `persons` only.")
        if spec.note_en:
            lines.append(spec.note_en)
        lines.append("")
        frame = rules_frame(spec, "en")
        lines.append("| " + " | ".join(frame.columns) + " |")
        lines.append("|" + "---|" * len(frame.columns))
        for row in frame.itertuples(index=False):
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
