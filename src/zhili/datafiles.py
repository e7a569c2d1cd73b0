"""Finding and opening the public data files Zhili ships in ``data/`` (CSV, optionally xz/gzip-compressed)."""

import gzip
import io
import lzma
from pathlib import Path

from django.conf import settings


class DataFileNotFound(FileNotFoundError):
    """Raised when neither ``NAME`` nor ``NAME.xz`` / ``NAME.gz`` exists in the data folder."""


def data_path(relative: str) -> Path:
    """Return the path of a shipped data file, e.g. ``data_path("tipdm2020c/fj1_taxonomy.csv")``.

    Looks in ``settings.DATA_DIR`` for the name as given, then with ``.xz`` and ``.gz`` appended.
    Raises DataFileNotFound (with the places it looked) when none exists.
    """
    base = Path(settings.DATA_DIR) / relative
    candidates = [base, base.with_name(base.name + ".xz"), base.with_name(base.name + ".gz")]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise DataFileNotFound(f"数据文件不存在：{', '.join(str(c) for c in candidates)}")


def open_binary(path: Path | str) -> io.BufferedIOBase:
    """Open a file for reading bytes, decompressing ``.xz`` and ``.gz`` transparently."""
    path = Path(path)
    if path.suffix == ".xz":
        return lzma.open(path, "rb")  # type: ignore[return-value]
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def logical_suffix(path: Path | str) -> str:
    """The file's format suffix without compression: ``a.csv.xz`` → ``.csv``."""
    path = Path(path)
    if path.suffix in {".xz", ".gz"}:
        return Path(path.stem).suffix.lower()
    return path.suffix.lower()


def read_text(path: Path | str, encoding: str = "utf-8-sig") -> str:
    """Read a whole (possibly compressed) text file; raises UnicodeDecodeError on a wrong encoding."""
    with open_binary(path) as fh:
        return fh.read().decode(encoding)
