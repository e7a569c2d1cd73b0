"""Importing service requests from files: every row goes through the same intake and routing
as a phone call (``zhili.workflow``).

Guarantees:
- idempotent by (source, external id): a re-run, or a run after a crash half-way, skips what is
  stored and adds the rest. A row without an id gets one from a hash of its time, title and text.
- each row is stored whole or not at all (one transaction per row);
- a bad row is reported with its row number, column and a reason in Chinese, and the good rows
  are kept.
"""

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone, translation

from zhili.inputs import PLAUSIBLE_YEARS
from zhili.requests.choices import Channel, RequestType, State
from zhili.requests.models import ServiceRequest
from zhili.routing.dispatch import find_lead_unit
from zhili.routing.suggest import suggest_many
from zhili.taxonomy.models import Category
from zhili.workcalendar.service import LOCAL_TZ
from zhili.workflow import actions
from zhili.workflow.errors import WorkflowError

from .reader import Row, read_rows

logger = logging.getLogger("zhili.imports")

BATCH = 256
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日")
# A file names channels and request types by value ("phone") or by their Chinese label ("电话"),
# whatever the active language: the labels are lazy translations, so the tables are built once
# with Chinese active and keyed on plain str (``_choice_maps``).
IMPORT_LANGUAGE = "zh-hans"


@functools.cache
def _choice_maps() -> tuple[dict[str, str], dict[str, str], str, str]:
    """(channel text → value, request type text → value, the channel labels, the type labels):
    the Chinese labels, as the files write them."""
    with translation.override(IMPORT_LANGUAGE):
        channels = {**{c.value: c.value for c in Channel}, **{str(c.label): c.value for c in Channel}}
        types = {**{t.value: t.value for t in RequestType}, **{str(t.label): t.value for t in RequestType}}
        return (channels, types, "、".join(str(c.label) for c in Channel),
                "、".join(str(t.label) for t in RequestType))
_TRUE = {"1", "true", "yes", "是", "y"}
_FALSE = {"0", "false", "no", "否", "n", ""}


class RowError(Exception):
    """One row is invalid: ``column`` as written in the file, ``reason`` in Chinese."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}” " if self.sheet else ""
        column = f"，列“{self.column}”" if self.column else ""
        return f"{where}第 {self.row} 行{column}：{self.reason}"


@dataclass
class ImportReport:
    source: str
    created: int = 0
    existing: int = 0
    dispatched: int = 0
    queued: int = 0
    archived: int = 0  # closed as history (import_file(history=True))
    problems: list[Problem] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.problems)


@dataclass
class ParsedRow:
    row: Row
    external_id: str
    title: str
    description: str
    received_at: dt.datetime
    fields: dict
    category: Category | None
    reply: str
    replied_at: dt.datetime | None


def parse_datetime(value) -> dt.datetime:
    """A local (Asia/Shanghai) aware datetime from a cell. Raises ValueError when unreadable."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = str(value).strip()
        moment = None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise ValueError(text)
    if moment.year not in PLAUSIBLE_YEARS:
        raise ValueError(str(value))  # a typing error; year 1 or 9999 would overflow the calendar
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment


def _text(row: Row, name: str) -> str:
    value = row.values.get(name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(row: Row, name: str) -> int:
    text = _text(row, name)
    if not text:
        return 0
    try:
        number = int(float(text))
    except (ValueError, OverflowError):
        raise RowError(row.headers[name], f"“{text}”不是整数") from None
    if number < 0:
        raise RowError(row.headers[name], f"“{text}”不能为负数")
    if number > 2_000_000_000:
        raise RowError(row.headers[name], f"“{text}”过大")
    return number


def _coordinate(row: Row, name: str, limit: int) -> Decimal | None:
    text = _text(row, name)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(row.headers[name], f"“{text}”不是数字") from None
    if not value.is_finite() or not (-limit <= value <= limit):
        raise RowError(row.headers[name], f"“{text}”超出范围（-{limit} 到 {limit}）")
    return value.quantize(Decimal("0.000001"))


def parse_row(row: Row, categories: dict[str, Category]) -> ParsedRow:
    """Validate one row. Raises RowError naming the column at fault."""
    for name, value in row.values.items():
        if isinstance(value, str) and "\x00" in value:
            raise RowError(row.headers.get(name, name), "含有空字符（\\x00），文件可能已损坏")
    if row.decode_error_column:
        raise RowError(row.decode_error_column,
                       "含有无法按所选编码解码的字节（文件可能是 GBK 编码，可加 --encoding gb18030 重新导入）")
    description = _text(row, "description")
    if not description:
        raise RowError(row.headers.get("description", "诉求内容"), "诉求内容为空")
    title = _text(row, "title") or description[:30]
    received_text = row.values.get("received_at")
    if received_text in (None, ""):
        received_at = timezone.now()
    else:
        try:
            received_at = parse_datetime(received_text)
        except ValueError:
            raise RowError(row.headers["received_at"], f"无法识别的日期时间“{received_text}”（应为 YYYY-MM-DD HH:MM:SS）") from None
    fields = {"address": _text(row, "address"), "requester_name": _text(row, "requester_name"),
              "requester_phone": _text(row, "requester_phone"),
              "lat": _coordinate(row, "lat", 90), "long": _coordinate(row, "long", 180),
              "votes_up": _int(row, "votes_up"), "votes_down": _int(row, "votes_down")}
    channel = _text(row, "channel")
    if channel:
        channels, _, channel_labels, _ = _choice_maps()
        if channel not in channels:
            raise RowError(row.headers["channel"], f"未知渠道“{channel}”（可用：{channel_labels}）")
        fields["channel"] = channels[channel]
    request_type = _text(row, "request_type")
    if request_type:
        _, types, _, type_labels = _choice_maps()
        if request_type not in types:
            raise RowError(row.headers["request_type"], f"未知诉求类型“{request_type}”（可用：{type_labels}）")
        fields["request_type"] = types[request_type]
    confidential = _text(row, "confidential").lower()
    if confidential not in _TRUE | _FALSE:
        raise RowError(row.headers["confidential"], f"“{confidential}”应为 是/否")
    fields["confidential"] = confidential in _TRUE
    category = None
    category_text = _text(row, "category")
    if category_text:
        category = categories.get(category_text)
        if category is None:
            raise RowError(row.headers["category"], f"未知分类“{category_text}”")
    reply = _text(row, "reply")
    replied_at = None
    if reply:
        replied_text = row.values.get("replied_at")
        if replied_text not in (None, ""):
            try:
                replied_at = parse_datetime(replied_text)
            except ValueError:
                raise RowError(row.headers["replied_at"], f"无法识别的日期时间“{replied_text}”") from None
            if replied_at < received_at:
                raise RowError(row.headers["replied_at"], "答复时间早于留言时间")
        else:
            replied_at = received_at
    external_id = _text(row, "external_id")
    if not external_id:
        # The raw cell, not the parsed time: a row without a time would otherwise hash "now".
        raw_time = str(received_text if received_text is not None else "").strip()
        digest = hashlib.sha1(f"{raw_time}\n{title}\n{description}".encode(), usedforsecurity=False)
        external_id = "sha1:" + digest.hexdigest()[:20]
    if len(external_id) > 64:
        raise RowError(row.headers.get("external_id", "编号"), "编号超过 64 个字符")
    return ParsedRow(row, external_id, title, description, received_at, fields, category, reply, replied_at)


def _store(parsed: ParsedRow, suggestion, source: str, history: bool = False) -> str:
    """Intake, route and (for historical rows) the unit's reply, in one transaction; with
    ``history``, then 历史归档 at the last moment the row knows (its reply, else its receipt)."""
    f = parsed.fields
    category = parsed.category or suggestion.category
    match = find_lead_unit(category, suggestion.subdistrict) if category else None
    keep_reply = {}
    if parsed.reply and (match is None or match.lead_unit.kind not in actions.LEAD_UNIT_KINDS):
        # No unit to attribute the reply to (routing will queue the order): keep it with the
        # intake record rather than lose it.
        keep_reply = {"historical_reply": parsed.reply, "historical_replied_at": parsed.replied_at.isoformat()}
    with transaction.atomic():
        request = actions.intake(
            title=parsed.title, description=parsed.description, at=parsed.received_at,
            channel=f.get("channel", Channel.WEB), request_type=f.get("request_type", RequestType.COMPLAINT),
            address=f["address"], lat=f["lat"], long=f["long"], requester_name=f["requester_name"],
            requester_phone=f["requester_phone"], confidential=f["confidential"],
            source=source, external_id=parsed.external_id, event_data=keep_reply,
            subdistrict=suggestion.subdistrict, community=suggestion.community,
        )
        if f["votes_up"] or f["votes_down"]:
            # Public votes are facts of the source record, not a workflow step.
            ServiceRequest.objects.filter(pk=request.pk).update(votes_up=f["votes_up"], votes_down=f["votes_down"])
        # A historical row that already has an official reply was dispatched back then.
        actions.route(request, suggestion, at=parsed.received_at, given_category=parsed.category,
                      force=bool(parsed.reply))
        # The last moment the row tells of (its reply, else its receipt) is when 历史归档 closes it.
        actions.record_past_handling(request, at=parsed.received_at, closed_at=parsed.replied_at or parsed.received_at,
                                     reply_text=parsed.reply, archive_it=history)
    return request.state


def _batches(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def import_file(path: Path | str, *, source: str | None = None, encoding: str = "utf-8",
                progress: Callable[[int], None] | None = None, history: bool = False) -> ImportReport:
    """Import every row of a CSV or XLSX file. Returns the report; raises ImportFileError when the
    file as a whole cannot be read. ``progress(n)`` is called after each n rows handled.

    ``history``: the rows are past matters whose handling the file does not record (e.g. the
    TipDM messages of 2010–2020). Each goes through intake and routing at its own date as usual,
    then is closed by the workflow's 历史归档 step: it counts in volumes, categories, places and
    hotspots, but reaches no inbox, gets no yellow/red cards and is not in the 三率. Without it a
    row is live work: dispatched orders wait for their units from their received date on."""
    path = Path(path)
    source = source or path.name.split(".")[0]
    table = read_rows(path, encoding)
    report = ImportReport(source=source, skipped_sheets=table.skipped_sheets,
                          ignored_columns=sorted(set(table.ignored_columns)))
    categories = {}
    for c in Category.objects.all():
        categories.setdefault(c.name, c)
        categories[c.code] = c
    seen: set[str] = set()
    for batch in _batches(table.rows, BATCH):
        parsed_rows = []
        for row in batch:
            try:
                parsed = parse_row(row, categories)
            except RowError as exc:
                report.problems.append(Problem(row.sheet, row.number, exc.column, exc.reason))
                continue
            if parsed.external_id in seen:
                report.problems.append(Problem(row.sheet, row.number, row.headers.get("external_id", ""),
                                               f"编号“{parsed.external_id}”在文件中重复，已跳过"))
                continue
            seen.add(parsed.external_id)
            parsed_rows.append(parsed)
        stored = set(ServiceRequest.objects.filter(
            source=source, external_id__in=[p.external_id for p in parsed_rows]).values_list("external_id", flat=True))
        report.existing += sum(1 for p in parsed_rows if p.external_id in stored)
        new_rows = [p for p in parsed_rows if p.external_id not in stored]
        suggestions = suggest_many([(p.title, p.description, p.fields["address"]) for p in new_rows])
        for parsed, suggestion in zip(new_rows, suggestions, strict=True):
            try:
                state = _store(parsed, suggestion, source, history)
            except WorkflowError as exc:
                report.problems.append(Problem(parsed.row.sheet, parsed.row.number, exc.field or "", exc.message))
                continue
            except (DataError, IntegrityError) as exc:
                # The row was rolled back whole; the others go on (e.g. a value the database refuses).
                report.problems.append(Problem(parsed.row.sheet, parsed.row.number, "",
                                               f"数据库拒绝保存此行：{str(exc).splitlines()[0][:120]}"))
                continue
            report.created += 1
            if state == State.CLOSED:
                report.archived += 1
            elif state == State.PENDING_DISPATCH:
                report.queued += 1
            else:
                report.dispatched += 1
        if progress:
            progress(len(batch))
    return report
