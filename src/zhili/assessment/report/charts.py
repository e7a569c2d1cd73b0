"""The report's charts: matplotlib (Agg, no display) rendered to PNG bytes with the CJK font."""

import io

from django.utils.translation import gettext

from .fonts import SANS, sans_path

BLUE, RED, GREY = "#1f5fa8", "#c0392b", "#8a8f98"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    sans_path()
    pyplot.rcParams.update({"font.family": [SANS], "axes.unicode_minus": False, "font.size": 9,
                            "axes.spines.top": False, "axes.spines.right": False})
    return pyplot


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=160, bbox_inches="tight")
    fig.clf()
    return buffer.getvalue()


def daily_line(days: list[tuple], title: str) -> bytes:
    """Requests received per day of the month."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 2.4))
    ax.plot([d.day for d, _ in days], [n for _, n in days], color=BLUE, marker="o", markersize=2.5, linewidth=1.4)
    ax.set_xticks([d.day for d, _ in days][::2])
    ax.set_xlabel(gettext("日"))
    ax.set_ylabel(gettext("件"))
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", color="#e5e5e5")
    png = _png(fig)
    plt.close(fig)
    return png


def bars(labels: list[str], values: list[float], title: str, *, unit: str | None = None, horizontal: bool = True,
         highlight: dict[int, str] | None = None) -> bytes:
    """A bar chart; ``highlight`` colours some bars (index → colour); ``unit`` defaults to "件"."""
    unit = gettext("件") if unit is None else unit
    plt = _pyplot()
    height = max(1.6, 0.28 * len(labels) + 0.8) if horizontal else 2.6
    fig, ax = plt.subplots(figsize=(6.4, height))
    colours = [(highlight or {}).get(i, BLUE) for i in range(len(labels))]
    if horizontal:
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, values, color=colours, height=0.6)
        ax.set_yticks(positions, labels)
        for y, v in zip(positions, values, strict=True):
            ax.text(v, y, f" {v:g}", va="center", fontsize=8)
        ax.set_xlabel(unit)
    else:
        ax.bar(range(len(labels)), values, color=colours, width=0.6)
        ax.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) > 6 else 0, ha="right")
        ax.set_ylabel(unit)
    ax.set_title(title, fontsize=10)
    png = _png(fig)
    plt.close(fig)
    return png
