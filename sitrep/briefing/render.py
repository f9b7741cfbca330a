"""A document (sitrep.briefing.document) as Markdown, DOCX or PDF, offline and deterministic.

The same document gives the same bytes: Markdown is plain text; DOCX gets fixed core
properties (created and modified at the as-of moment) and a zip whose entries carry a fixed
date; PDF gets a fixed creation date and embeds a subset of the CJK font (fonts.py), so it
reads the same without the font installed. Only the generation stamp line differs between
two runs, and not even that when the caller passes the same `generated_at`.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from functools import lru_cache

import pandas as pd

from sitrep.briefing.document import Bullets, Document, Heading, Image, Paragraph, Table
from sitrep.briefing.fonts import cjk_font

FORMATS = ("md", "docx", "pdf")
MIME = {"md": "text/markdown", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf"}
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _fixed_moment(doc: Document) -> dt.datetime:
    return pd.Timestamp(doc.as_of).to_pydatetime().replace(tzinfo=SHANGHAI)


def render(doc: Document, fmt: str) -> bytes:
    if fmt == "md":
        return to_markdown(doc).encode("utf-8")
    if fmt == "docx":
        return to_docx(doc)
    if fmt == "pdf":
        return to_pdf(doc)
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


# --- Markdown --------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_lead(lead: str) -> str:
    """A paragraph's bold lead in Markdown. CommonMark closes `**` only after a character that is
    neither a space nor, unless a space or punctuation follows, punctuation: "**进度滞后：**江北区"
    and "**Behind: **Jiangbei" show their asterisks. The lead's closing colon and spaces go after
    the `**`: "**进度滞后**：江北区", "**Behind**: Jiangbei" (DOCX and PDF keep them bold)."""
    core = lead.rstrip(" :：")
    return f"**{core}**{lead[len(core):]}" if core else lead


def to_markdown(doc: Document, images: str = "inline") -> str:
    """images: 'inline' embeds each chart as a data: URI (one self-contained file, no network);
    'omit' leaves them out (the page shows them beside the text)."""
    lines = [f"# {doc.title}", "", f"**{doc.subtitle}**", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            text = _md_lead(block.lead) + block.text
            lines += [f"*{text}*" if block.small else text, ""]
        elif isinstance(block, Bullets):
            lines += ["- " + _md_lead(p.lead) + p.text for p in block.items] + [""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(_md_cell(c) for c in block.columns) + " |")
            lines.append("|" + "|".join("---:" if i in block.numeric else "---" for i in range(len(block.columns))) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, Image):
            if images == "inline":
                data = base64.b64encode(block.png).decode("ascii")
                lines += [f"![{block.caption}](data:image/png;base64,{data})", "", f"*{block.caption}*", ""]
    lines += ["---", ""] + [f"{line}  " for line in doc.footer]
    if doc.stamp:
        lines.append(doc.stamp)
    return "\n".join(lines).rstrip() + "\n"


# --- DOCX ------------------------------------------------------------------------------------

def _docx_font(run, east_asian: str, size=None, bold=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = "Arial"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _docx_page_field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _normalise_zip(data: bytes) -> bytes:
    """The same entries, in the same order, with a fixed date: a zip that is a function of its
    contents only."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def to_docx(doc: Document) -> bytes:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10.5)
    from docx.oxml.ns import qn
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(title.add_run(doc.title), "SimHei", 18, True)
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(subtitle.add_run(doc.subtitle), "SimSun", 11)

    for block in doc.blocks:
        if isinstance(block, Heading):
            p = document.add_heading(level=min(block.level - 1, 3) or 1)
            _docx_font(p.add_run(block.text), "SimHei", 14 if block.level <= 2 else 12, True)
        elif isinstance(block, Paragraph):
            p = document.add_paragraph()
            if block.lead:
                _docx_font(p.add_run(block.lead), "SimHei", 9 if block.small else None, True)
            _docx_font(p.add_run(block.text), "SimSun", 9 if block.small else None)
        elif isinstance(block, Bullets):
            for item in block.items:
                p = document.add_paragraph(style="List Bullet")
                if item.lead:
                    _docx_font(p.add_run(item.lead), "SimHei", None, True)
                _docx_font(p.add_run(item.text), "SimSun")
        elif isinstance(block, Table):
            table = document.add_table(rows=1, cols=len(block.columns))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, text in zip(table.rows[0].cells, block.columns):
                cell.text = ""
                _docx_font(cell.paragraphs[0].add_run(str(text)), "SimHei", 8, True)
            for row in block.rows:
                cells = table.add_row().cells
                for i, (cell, text) in enumerate(zip(cells, row)):
                    cell.text = ""
                    paragraph = cell.paragraphs[0]
                    if i in block.numeric:
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                    _docx_font(paragraph.add_run(str(text)), "SimSun", 8)
            document.add_paragraph()
        elif isinstance(block, Image):
            document.add_picture(io.BytesIO(block.png), width=Cm(min(block.width_mm, 170) / 10))
            caption = document.add_paragraph()
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _docx_font(caption.add_run(block.caption), "SimSun", 9)

    footer = section.footer
    first = True
    for line in doc.footer + ([doc.stamp] if doc.stamp else []):
        p = footer.paragraphs[0] if first else footer.add_paragraph()
        first = False
        _docx_font(p.add_run(line), "SimSun", 7)
    pages = footer.add_paragraph()
    pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_page_field(pages, "PAGE")           # "page / pages", as the PDF's footer
    _docx_font(pages.add_run(" / "), "SimSun", 7)
    _docx_page_field(pages, "NUMPAGES")

    moment = _fixed_moment(doc).astimezone(dt.timezone.utc).replace(tzinfo=None)   # DOCX dates are UTC
    props = document.core_properties
    props.title, props.author, props.last_modified_by = doc.title, "Sitrep", "Sitrep"
    props.created = props.modified = moment
    props.revision = 1
    props.language = "zh-CN" if doc.lang == "zh" else "en"
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue())


# --- PDF -------------------------------------------------------------------------------------

FONT = "cjk"


@lru_cache(maxsize=1)
def _fpdf_class():
    from fpdf import FPDF

    class BriefingPDF(FPDF):
        footer_lines: list[str] = []

        def footer(self) -> None:
            self.set_y(-16)
            self.set_font(FONT, size=6.5)
            self.set_text_color(90, 90, 90)
            for line in self.footer_lines:
                self.cell(0, 3, line, new_x="LMARGIN", new_y="NEXT", align="L")
            self.cell(0, 3, f"{self.page_no()} / {{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    return BriefingPDF


def to_pdf(doc: Document) -> bytes:
    from fpdf.enums import WrapMode

    font = cjk_font()
    pdf = _fpdf_class()(orientation="P", unit="mm", format="A4")
    pdf.footer_lines = list(doc.footer) + ([doc.stamp] if doc.stamp else [])
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_font(FONT, "", str(font.regular.path), collection_font_number=font.regular.index)
    pdf.add_font(FONT, "B", str(font.bold.path), collection_font_number=font.bold.index)
    pdf.set_creation_date(_fixed_moment(doc))
    pdf.set_title(doc.title)
    pdf.set_author("Sitrep")
    pdf.set_creator("Sitrep")
    pdf.set_lang("zh-CN" if doc.lang == "zh" else "en")
    wrap = WrapMode.CHAR if doc.lang == "zh" else WrapMode.WORD
    width = pdf.epw

    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(width, 9, doc.title, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
    pdf.set_font(FONT, "", 10.5)
    pdf.multi_cell(width, 6, doc.subtitle, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
    pdf.ln(3)

    def paragraph(p: Paragraph, size: float = 10, indent: float = 0, bullet: str = "") -> None:
        line = size * 0.55
        if indent:
            pdf.set_x(pdf.l_margin + indent)
        if bullet:
            pdf.set_font(FONT, "", size)
            pdf.cell(4, line, bullet)
        left = pdf.get_x()
        pdf.set_left_margin(left)
        if p.lead:
            pdf.set_font(FONT, "B", size)
            pdf.write(line, p.lead, wrapmode=wrap)
        pdf.set_font(FONT, "", size)
        pdf.write(line, p.text, wrapmode=wrap)
        pdf.set_left_margin(18)
        pdf.ln(line + 1.6)

    for block in doc.blocks:
        if isinstance(block, Heading):
            size = 13 if block.level <= 2 else 11
            if pdf.will_page_break(size * 2):
                pdf.add_page()
            pdf.ln(2)
            pdf.set_font(FONT, "B", size)
            pdf.multi_cell(width, size * 0.6, block.text, new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
            pdf.ln(1.5)
        elif isinstance(block, Paragraph):
            paragraph(block, 8 if block.small else 10)
        elif isinstance(block, Bullets):
            for item in block.items:
                paragraph(item, 9.5, indent=2, bullet="•")
        elif isinstance(block, Table):
            pdf.set_font(FONT, "", 7.5)
            aligns = tuple("RIGHT" if i in block.numeric else "LEFT" for i in range(len(block.columns)))
            with pdf.table(col_widths=block.widths or None, text_align=aligns, line_height=3.8,
                           wrapmode=wrap, headings_style=_heading_style(), padding=0.8,
                           first_row_as_headings=True, repeat_headings=1) as table:
                header = table.row()
                for text in block.columns:
                    header.cell(str(text))
                for row in block.rows:
                    cells = table.row()
                    for text in row:
                        cells.cell(str(text))
            pdf.ln(3)
        elif isinstance(block, Image):
            from PIL import Image as PILImage

            with PILImage.open(io.BytesIO(block.png)) as im:
                w_px, h_px = im.size
            w = min(block.width_mm, width)
            h = w * h_px / w_px
            if pdf.will_page_break(h + 8):
                pdf.add_page()
            pdf.image(io.BytesIO(block.png), x=pdf.l_margin + (width - w) / 2, w=w, h=h)
            pdf.set_font(FONT, "", 8.5)
            pdf.multi_cell(width, 4.5, block.caption, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
            pdf.ln(2)
    return bytes(pdf.output())


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", fill_color=(235, 235, 235))
