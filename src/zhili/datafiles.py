"""Finding and opening the public data files Zhili ships in ``data/`` (CSV, optionally xz/gzip-compressed)."""

import gzip
import io
import lzma
import zlib
from pathlib import Path

from django.conf import settings


class DataFileNotFound(FileNotFoundError):
    """Raised when neither ``NAME`` nor ``NAME.xz`` / ``NAME.gz`` exists in the data folder."""


class UnreadableFile(OSError):
    """A file that cannot be read whole: ``reason`` says why, in Chinese (truncated or damaged
    compression, a directory, not found, no permission); ``str()`` names the file too."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"无法读取文件“{path}”：{reason}")
        self.path, self.reason = path, reason


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


def read_bytes(path: Path | str) -> bytes:
    """The whole file, decompressed (``.xz``/``.gz``). Raises UnreadableFile (with the reason in
    Chinese) for a truncated or damaged compressed file, a directory, or a file that cannot be
    opened — the one place these errors are explained, for every command that reads files."""
    try:
        with open_binary(path) as fh:
            return fh.read()
    except EOFError:
        reason = "压缩文件不完整（可能下载或复制时被截断）"
    except lzma.LZMAError as exc:
        reason = f"不是有效的 xz 压缩文件或文件已损坏（{exc}）"
    except (gzip.BadGzipFile, zlib.error) as exc:
        reason = f"不是有效的 gzip 压缩文件或文件已损坏（{exc}）"
    except IsADirectoryError:
        reason = "这是一个目录，不是文件"
    except FileNotFoundError:
        reason = "文件不存在"
    except OSError as exc:
        reason = f"无法打开（{exc.strerror or exc}）"
    raise UnreadableFile(path, reason)


def read_text(path: Path | str, encoding: str = "utf-8-sig") -> str:
    """Read a whole (possibly compressed) text file. Raises UnreadableFile (see ``read_bytes``),
    and UnicodeDecodeError on a wrong encoding."""
    return read_bytes(path).decode(encoding)
