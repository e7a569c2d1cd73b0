"""The columns an import file may have: the generic set (documented in docs/import.md) and the
TipDM 2020 competition's Chinese column names, mapped onto one set of field names."""

# field name → accepted header names (first one is the generic name)
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "留言编号", "工单编号", "编号"),
    "title": ("title", "留言主题", "标题", "诉求标题"),
    "description": ("description", "留言详情", "诉求内容", "内容"),
    "received_at": ("received_at", "留言时间", "受理时间", "来电时间"),
    "requester_name": ("requester_name", "留言用户", "诉求人", "来电人"),
    "requester_phone": ("requester_phone", "联系电话", "电话"),
    "address": ("address", "地址", "诉求地址"),
    "lat": ("lat", "纬度"),
    "long": ("long", "经度"),
    "channel": ("channel", "渠道"),
    "request_type": ("request_type", "诉求类型"),
    "confidential": ("confidential", "保密"),
    "category": ("category", "一级分类", "诉求分类"),
    "reply": ("reply", "答复意见", "答复内容"),
    "replied_at": ("replied_at", "答复时间"),
    "votes_up": ("votes_up", "点赞数"),
    "votes_down": ("votes_down", "反对数"),
}

HEADER_TO_FIELD = {header: field for field, headers in COLUMNS.items() for header in headers}
# A sheet or file is importable when it names at least the text of the request.
REQUIRED_FIELDS = ("description",)
