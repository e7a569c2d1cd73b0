"""The operator's intake form (受理来电, BJ 10, JN 22) and what its submit buttons do.

One form, four ways to finish a call, chosen by the button pressed:

| button                       | POST key         | workflow calls (one transaction)                       |
|------------------------------|------------------|--------------------------------------------------------|
| 受理并派单 (Alt+S, Ctrl+Enter) | ``do=route``/none | ``intake`` → ``route`` (classify; catalogue dispatch or the dispatcher queue) |
| 直办 (per knowledge article)  | ``resolve=<id>`` | ``intake`` → ``resolve_at_intake(article, answer)``   |
| 并入 (per possible duplicate) | ``merge=<number>`` | ``intake`` → ``merge(primary)``                      |
| 不予受理                      | ``do=decline``   | ``intake`` → ``decline(reason, note)``                |

The form parses input only (lengths, the phone number's shape, the choice lists); the rules of
each step stay in ``zhili.workflow.actions``. A step refused there (``WorkflowError``) rolls the
intake back too, so a refused call stores nothing, and the message is shown beside its field.
"""

import re
from dataclasses import dataclass

from django import forms
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhili.knowledge.models import KnowledgeArticle
from zhili.requests.choices import Channel, DeclineReason, RequestType, State
from zhili.requests.models import ServiceRequest
from zhili.routing.suggest import resolve_place
from zhili.workflow import actions
from zhili.workflow.errors import WorkflowError

from .forms import DECLINE_CHOICES

ROUTE, RESOLVE, MERGE, DECLINE = "route", "resolve", "merge", "decline"
# Channels an operator records by hand (the API channel is the API's own).
INTAKE_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.API]
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-()（）]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")  # area code + number: 0531-86081234
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")  # a local number without the area code
# What the live suggestions read (sent by htmx on keyup; see intake.js and the template).
SUGGEST_FIELDS = ("title", "description", "address", "kb")


def clean_phone(raw: str) -> str:
    """A caller's number as typed ("138 1234 5678", "0531-86081234", "+86 13812345678") →
    its digits; "" when empty. Raises ValidationError (Chinese) for anything that is not a
    mainland mobile (11 digits from 13…19), a landline with area code, or a 7–8 digit local
    number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _PHONE_CHARS.match(raw) or not (_MOBILE.match(digits) or _LANDLINE.match(digits)
                                           or _LOCAL.match(digits)):
        raise forms.ValidationError(_("联系电话格式不正确：11 位手机号或带区号的固话"))
    return digits


@dataclass
class Outcome:
    """What a submitted call became: the new order and the message for the operator."""

    request: ServiceRequest
    message: str


class IntakeForm(forms.Form):
    """A phone call's facts, the optional 直办 answer and decline reason, and the chosen button."""

    requester_name = forms.CharField(
        label=_("诉求人姓名"), required=False, max_length=50, strip=True,
        error_messages={"max_length": _("姓名最多 50 个字")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "placeholder": _("如：张先生")}))
    requester_phone = forms.CharField(
        label=_("联系电话"), required=False, max_length=24, strip=True,
        error_messages={"max_length": _("联系电话过长")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel", "placeholder": _("手机或固话")}))
    confidential = forms.BooleanField(label=_("保密"), required=False,
                                      help_text=_("诉求人要求保密：承办单位看不到其身份"))
    request_type = forms.ChoiceField(label=_("诉求类型"), choices=RequestType.choices, initial=RequestType.COMPLAINT,
                                     error_messages={"invalid_choice": _("请选择诉求类型")})
    channel = forms.ChoiceField(label=_("渠道"), choices=INTAKE_CHANNELS, initial=Channel.PHONE,
                                error_messages={"invalid_choice": _("请选择渠道")})
    address = forms.CharField(
        label=_("诉求地址"), required=False, max_length=300, strip=True,
        error_messages={"max_length": _("地址最多 300 个字")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("街道、小区、路名门牌，如：解放路街道某小区 3 号楼")}))
    title = forms.CharField(
        label=_("标题"), max_length=200, strip=True,
        error_messages={"required": _("请填写标题"), "max_length": _("标题最多 200 个字")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("一句话概括诉求")}))
    description = forms.CharField(
        label=_("诉求内容"), max_length=5000, strip=True,
        error_messages={"required": _("请填写诉求内容"), "max_length": _("诉求内容最多 5000 个字")},
        widget=forms.Textarea(attrs={"rows": 7, "placeholder": _("时间、地点、事情经过、诉求人的要求")}))
    answer = forms.CharField(
        label=_("直办答复"), required=False, max_length=5000, strip=True,
        error_messages={"max_length": _("答复最多 5000 个字")},
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("告知诉求人的内容（可选；留空则记录所选知识库条目原文）")}))
    decline_reason = forms.ChoiceField(label=_("不予受理理由"), required=False,
                                       choices=DECLINE_CHOICES)
    decline_note = forms.CharField(
        label=_("告知内容"), required=False, max_length=2000, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("已告知诉求人的处理途径（可选）")}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.article: KnowledgeArticle | None = None
        self.primary: ServiceRequest | None = None
        suggest = {
            "hx-get": reverse("web:intake-suggest"),
            "hx-trigger": "keyup changed delay:300ms",
            "hx-target": "#suggest-panel",
            "hx-include": ", ".join(f"#id_{name}" for name in SUGGEST_FIELDS),
            "hx-sync": "#intake-form:replace",
            "hx-indicator": "#suggest-busy",
        }
        for name in ("title", "description", "address"):
            self.fields[name].widget.attrs.update(suggest)
        for field in self.fields.values():  # a NUL pasted from another system (PostgreSQL refuses it)
            field.error_messages["null_characters_not_allowed"] = _("含有无效的空字符（\\0），请删除后重试")

    # --- which button ---------------------------------------------------------------------

    @property
    def disposition(self) -> str:
        """route, resolve, merge or decline: the button pressed (route when none, e.g. Ctrl+Enter)."""
        if self.data.get("resolve"):
            return RESOLVE
        if self.data.get("merge"):
            return MERGE
        if self.data.get("do") == DECLINE:
            return DECLINE
        return ROUTE

    def clean_requester_phone(self) -> str:
        """The caller's number as digits (``clean_phone``)."""
        return clean_phone(self.cleaned_data["requester_phone"])

    def clean(self):
        """What the pressed button needs: a decline reason, an active article (``self.article``)
        or a visible order to merge into (``self.primary``); Chinese errors otherwise."""
        cleaned = super().clean()
        disposition = self.disposition
        if disposition == DECLINE and not cleaned.get("decline_reason"):
            self.add_error("decline_reason", _("不予受理须选择法定理由"))
        elif disposition == RESOLVE:
            try:
                self.article = KnowledgeArticle.objects.filter(pk=int(self.data.get("resolve")), is_active=True).first()
            except (TypeError, ValueError):
                self.article = None
            if self.article is None:
                self.add_error(None, _("直办失败：知识库条目不存在或已停用，请重新选择"))
        elif disposition == MERGE:
            number = str(self.data.get("merge")).strip()[:32]
            self.primary = ServiceRequest.objects.visible_to(self.user).filter(number=number).first()
            if self.primary is None:
                self.add_error(None, gettext("并单失败：工单 %(number)s 不存在") % {"number": number})
        return cleaned

    # --- what it does ---------------------------------------------------------------------

    def save(self, actor) -> Outcome:
        """Record the call and finish it as the button says, all in one transaction (see the
        module docstring). Raises WorkflowError (nothing stored) when a step is refused."""
        data = self.cleaned_data
        disposition = self.disposition
        # 直办 and 不予受理 are not routed: the place is resolved here so they still count by
        # subdistrict and community (routing resolves it again for the other buttons).
        subdistrict, community = (resolve_place(data["address"], f"{data['title']} {data['description']}")
                                  if disposition in (RESOLVE, DECLINE) else (None, None))
        with transaction.atomic():
            request = actions.intake(
                title=data["title"], description=data["description"], actor=actor, channel=data["channel"],
                request_type=data["request_type"], address=data["address"],
                requester_name=data["requester_name"], requester_phone=data["requester_phone"],
                confidential=data["confidential"], source="zhili-intake",
                subdistrict=subdistrict, community=community,
            )
            if disposition == RESOLVE:
                actions.resolve_at_intake(request, self.article, actor=actor,
                                          answer=data["answer"] or self.article.body)
                message = gettext("工单 %(number)s 已直办办结（知识库：%(article)s）") % {
                    "number": request.number, "article": self.article.title}
            elif disposition == MERGE:
                actions.merge(request, self.primary, actor=actor)
                message = gettext("工单 %(number)s 已受理并并入 %(primary)s") % {
                    "number": request.number, "primary": self.primary.number}
            elif disposition == DECLINE:
                actions.decline(request, data["decline_reason"], actor=actor, note=data["decline_note"])
                message = gettext("工单 %(number)s 已登记为不予受理：%(reason)s") % {
                    "number": request.number, "reason": gettext(DeclineReason(data["decline_reason"]).label)}
            else:
                actions.route(request)
                message = _routed_message(request)
        return Outcome(request, message)

    def add_workflow_error(self, exc: WorkflowError) -> None:
        """Show a refused step's message beside the input it names (else above the form)."""
        field = {"reason": "decline_reason", "article": None, "primary": None}.get(exc.field, exc.field)
        prefix = {RESOLVE: _("直办失败："), MERGE: _("并单失败：")}.get(self.disposition, "")
        if field in self.fields:
            self.add_error(field, exc.message)
        else:
            self.add_error(None, prefix + exc.message)


def _routed_message(request: ServiceRequest) -> str:
    """"已受理 … 派至 …，截止 …" or "已受理 … 转人工派单（reason）"."""
    if request.state == State.DISPATCHED and request.lead_unit is not None:
        from .templatetags.zhili_web import local_dt

        return gettext("工单 %(number)s 已受理，按派单目录派至 %(unit)s，截止 %(due)s") % {
            "number": request.number, "unit": request.lead_unit.name, "due": local_dt(request.due_at)}
    last = request.events.order_by("-seq").first()
    if last is not None and last.note:
        return gettext("工单 %(number)s 已受理，等待派单员人工派单（%(reason)s）") % {
            "number": request.number, "reason": last.note}
    return gettext("工单 %(number)s 已受理，等待派单员人工派单") % {"number": request.number}
