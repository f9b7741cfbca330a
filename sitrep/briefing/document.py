"""A document as a list of blocks, the one shape that Markdown, DOCX and PDF are rendered from.

Kept small on purpose: headings, paragraphs (with an optional bold lead), bullet lists, tables,
images (PNG bytes) and a footer. The generation stamp is its own field so that everything else
is a function of the snapshot alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str = ""          # bold words before the text
    small: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple            # of Paragraph


@dataclass(frozen=True)
class Table:
    columns: tuple          # header texts
    rows: tuple             # tuples of cell texts
    numeric: tuple = ()     # indexes of right-aligned columns
    widths: tuple = ()      # relative widths, one per column (PDF)


@dataclass(frozen=True)
class Image:
    name: str               # file-name stem, e.g. "epi_curve"
    png: bytes
    caption: str
    width_mm: float = 165


@dataclass
class Document:
    kind: str               # "briefing" or "bulletin"
    lang: str
    title: str
    subtitle: str
    as_of: str              # 'YYYY-MM-DDTHH:MM:SS', the moment the numbers are for
    blocks: list = field(default_factory=list)
    footer: list = field(default_factory=list)   # lines; fixed for a snapshot
    stamp: str = ""         # the generation stamp line: the one thing that may differ between runs

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)
