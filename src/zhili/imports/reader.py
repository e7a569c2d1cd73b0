"""Reading rows from CSV (optionally .xz/.gz) and XLSX files, with their row numbers.

Shape: ``read_rows(path, encoding) -> Table`` where each row is (sheet name or "", row number as
the user sees it in Excel or a text editor, {field: raw value}). Unknown columns are ignored
(and listed); bytes that are not valid in the file's encoding are kept as a per-row error, so
one bad row never stops the others.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from zhili.datafiles import UnreadableFile, logical_suffix, read_bytes

from .columns import HEADER_TO_FIELD, REQUIRED_FIELDS


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, no usable sheet, missing required column)."""


@dataclass
class Row:
    sheet: str
    number: int
    values: dict
    headers: dict  # field → header as written in the file (for error messages)
    decode_error_column: str | None = None


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)


def _map_header(header: list) -> tuple[dict[int, str], dict[str, str], list[str]]:
    positions, names, ignored = {}, {}, []
    for index, raw in enumerate(header):
        name = str(raw).strip().lstrip("\ufeff") if raw is not None else ""
        target = HEADER_TO_FIELD.get(name)
        if target and target not in names:
            positions[index] = target
            names[target] = name
        elif name:
            ignored.append(name)
    return positions, names, ignored


def _read_bytes(path: Path) -> bytes:
    """The whole file, decompressed. A truncated or damaged .xz/.gz file, or one that cannot be
    opened, raises ImportFileError naming the file and the reason — before any row is stored."""
    try:
        return read_bytes(path)
    except UnreadableFile as exc:
        raise ImportFileError(str(exc)) from None


# A citizen's letter can be long; the csv module's default limit is 128 KiB per field.
csv.field_size_limit(16 * 1024 * 1024)


def _read_csv(path: Path, encoding: str) -> Table:
    raw = _read_bytes(path)
    text = raw.decode(encoding, errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("文件为空") from None
    try:
        "".join(header).encode("utf-8")
    except UnicodeEncodeError:
        raise ImportFileError(
            f"表头无法按 {encoding} 解码：文件可能是 GBK 编码，请加 --encoding gb18030 重新导入"
        ) from None
    positions, names, ignored = _map_header(header)
    missing = [f for f in REQUIRED_FIELDS if f not in names]
    if missing:
        raise ImportFileError(
            "文件缺少必需的列：诉求内容（可用列名：description、留言详情、诉求内容、内容）；"
            f"文件的列为：{'、'.join(h for h in header if h)[:300]}"
        )
    table = Table(ignored_columns=ignored)
    for row_values in reader:
        number = reader.line_num  # the physical line where this record ends
        if not any(v.strip() for v in row_values):
            continue
        values, bad_column = {}, None
        for index, value in enumerate(row_values):
            target = positions.get(index)
            if target is None:
                continue
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                bad_column = bad_column or names[target]
                value = value.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
            values[target] = value
        table.rows.append(Row("", number, values, names, bad_column))
    return table


def _read_xlsx(path: Path) -> Table:
    import openpyxl

    raw = _read_bytes(path)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFileError(f"无法读取 XLSX 文件“{path}”：{exc}") from exc
    table = Table()
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            positions, names, ignored = _map_header(list(header or []))
            if any(f not in names for f in REQUIRED_FIELDS):
                table.skipped_sheets.append(sheet.title)
                continue
            table.ignored_columns.extend(ignored)
            for number, cells in enumerate(rows, start=2):
                if cells is None or not any(c not in (None, "") for c in cells):
                    continue
                values = {positions[i]: c for i, c in enumerate(cells) if i in positions}
                table.rows.append(Row(sheet.title, number, values, names))
    finally:
        workbook.close()
    if not table.rows and table.skipped_sheets and len(table.skipped_sheets) == len(workbook.sheetnames):
        raise ImportFileError(
            f"没有可导入的工作表：{'、'.join(table.skipped_sheets)} 都缺少“诉求内容”列"
            "（可用列名：description、留言详情、诉求内容、内容）"
        )
    return table


def read_rows(path: Path | str, encoding: str = "utf-8") -> Table:
    """Read an import file. Raises ImportFileError for a missing, unsupported or unreadable file
    (a directory, a damaged or truncated .xz/.gz, an XLSX openpyxl cannot open); the message is
    Chinese and names the file. The whole file is read here, so nothing is stored for a file
    that fails."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"文件不存在：{path}")
    if path.is_dir():
        raise ImportFileError(f"“{path}”是一个目录，不是文件：请给出一个 .csv 或 .xlsx 文件（可为 .xz/.gz 压缩）")
    suffix = logical_suffix(path)
    if suffix == ".csv":
        return _read_csv(path, encoding)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise ImportFileError(f"不支持的文件类型“{suffix or path.name}”：请使用 .csv 或 .xlsx")
