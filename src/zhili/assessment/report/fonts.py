"""The Chinese fonts a report needs: Noto CJK from Debian's ``fonts-noto-cjk`` (installed by
``make fonts`` → ``scripts/ensure-fonts.sh``). Nothing is downloaded at run time."""

import functools

from django.utils.translation import gettext, gettext_lazy

SANS = "Noto Sans CJK SC"  # headings, tables, charts (黑体-like)
SERIF = "Noto Serif CJK SC"  # body text (宋体-like)
HINT = gettext_lazy("请安装中文字体：make fonts（即 apt-get install -y fonts-noto-cjk）")


class MissingFont(RuntimeError):
    """The CJK fonts are not installed; the message says how to install them."""


@functools.lru_cache(maxsize=1)
def sans_path() -> str:
    """The file of the sans font, found the way matplotlib and fontconfig find it. Raises
    MissingFont when absent (a report with boxes instead of characters helps nobody)."""
    from matplotlib import font_manager

    try:
        return font_manager.findfont(font_manager.FontProperties(family=SANS), fallback_to_default=False)
    except ValueError:
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        try:
            return font_manager.findfont(font_manager.FontProperties(family=SANS), fallback_to_default=False)
        except ValueError:
            raise MissingFont(gettext("找不到字体“%(font)s”。%(hint)s") % {"font": SANS, "hint": HINT}) from None
