"""Charts for the briefing, drawn on this machine with matplotlib's Agg backend (no browser, no
network, no kaleido), as PNG bytes that are the same for the same snapshot: the PNG carries no
software or time stamp."""

from __future__ import annotations

import io
from functools import lru_cache

from sitrep.briefing.fonts import cjk_font
from sitrep.i18n import t

DPI = 150
RED, GREEN, GREY, BLUE, ORANGE = "#c81e1e", "#3c965a", "#555555", "#2f6db5", "#e08a2b"


@lru_cache(maxsize=1)
def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager
    import matplotlib.pyplot as plt

    face = cjk_font().regular
    font_manager.fontManager.addfont(str(face.path))
    family = font_manager.FontProperties(fname=str(face.path)).get_name()
    plt.rcParams.update({"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False,
                         "svg.hashsalt": "sitrep", "font.size": 9})
    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def epi_curve(days: list[dict], lang: str) -> bytes:
    """Daily new positives, confirmed and asymptomatic stacked, for the days of the snapshot."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    labels = [d["date"][5:] for d in days]
    confirmed = [d["confirmed"] for d in days]
    asymptomatic = [d["asymptomatic"] for d in days]
    ax.bar(labels, confirmed, color=RED, label=t("cases_class_confirmed", lang))
    ax.bar(labels, asymptomatic, bottom=confirmed, color=ORANGE, label=t("cases_class_asymptomatic", lang))
    for x, (c, a) in enumerate(zip(confirmed, asymptomatic)):
        if c + a:
            ax.text(x, c + a, f"{c + a}", ha="center", va="bottom", fontsize=7)
    ax.set_title(t("brief_chart_epi", lang), fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=7, rotation=45)
    return _png(fig)


def room_usage(rows: list[tuple[str, float, bool]], trigger: float, lang: str) -> bytes:
    """Room usage of the districts given (name, usage, red), highest first, with the trigger."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 0.9 + 0.28 * len(rows)))
    names = [r[0] for r in rows][::-1]
    values = [r[1] * 100 for r in rows][::-1]
    colours = [RED if r[2] else BLUE for r in rows][::-1]
    ax.barh(names, values, color=colours)
    for y, v in enumerate(values):
        ax.text(v + 0.8, y, f"{v:.1f}%", va="center", fontsize=7)
    ax.axvline(trigger * 100, color=RED, linestyle="--", linewidth=1)
    ax.text(trigger * 100, len(rows) - 0.4, t("brief_chart_trigger", lang, value=f"{trigger:.0%}"),
            color=RED, fontsize=7, ha="right")
    ax.set_xlim(0, max(105, max(values, default=0) + 8))
    ax.set_title(t("brief_chart_usage", lang), fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=8)
    return _png(fig)
