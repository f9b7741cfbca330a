"""The CJK font that PDFs and charts embed. Found on the machine, never downloaded.

Looked for in this order: the file named by $SITREP_CJK_FONT (a .ttc/.otf/.ttf; for a
collection, `path#index` picks the face), then Debian's fonts-noto-cjk (Noto Sans CJK SC, the
Simplified Chinese face of the collection), then other common CJK fonts. fpdf2 embeds a subset
of the face (CFF outlines too), so the PDF reads the same on a machine without the font.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

INSTALL_HINT = ("Sitrep needs a CJK font to write PDFs and charts: install Debian's fonts-noto-cjk "
                "(`apt-get install fonts-noto-cjk`; scripts/run-tests does), or set SITREP_CJK_FONT to a "
                ".ttc/.otf/.ttf file with Chinese glyphs (`path#index` for a face of a collection).")

NOTO = Path("/usr/share/fonts/opentype/noto")
CANDIDATES = [
    (NOTO / "NotoSansCJK-Regular.ttc", NOTO / "NotoSansCJK-Bold.ttc"),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
     Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf")),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), None),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), None),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), None),
]


class FontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Face:
    path: Path
    index: int = 0


@dataclass(frozen=True)
class CjkFont:
    regular: Face
    bold: Face          # the regular face again when the family has no bold


def _simplified_face(path: Path) -> int:
    """The Simplified Chinese face of a collection (Noto's 'SC'), else the first."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib.ttCollection import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            name = font["name"].getDebugName(1) or ""
            if name.endswith(" SC") and "Mono" not in name:
                return index
    finally:
        collection.close()
    return 0


def _face(text: str) -> Face:
    path, _, index = text.partition("#")
    return Face(Path(path), int(index) if index else _simplified_face(Path(path)))


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    named = os.environ.get("SITREP_CJK_FONT")
    if named:
        if not Path(named.partition("#")[0]).is_file():
            raise FontMissing(f"SITREP_CJK_FONT={named!r}: no such file. " + INSTALL_HINT)
        face = _face(named)
        return CjkFont(face, face)
    for regular, bold in CANDIDATES:
        if regular.is_file():
            face = _face(str(regular))
            bold_face = Face(bold, face.index) if bold is not None and bold.is_file() else face
            return CjkFont(face, bold_face)
    raise FontMissing(INSTALL_HINT)
