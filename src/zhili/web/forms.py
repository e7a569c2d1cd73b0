"""The forms of the workflow steps on the request page: exactly the input each step needs.

The forms only parse input (types, required fields, the choice of a unit or a category); the
rules of a step (time limits, allowed units, ranges of days) stay in ``zhili.workflow.actions``
and come back as ``WorkflowError`` messages. Field names match the ``field`` a step names in
its errors, so a refused step's message is shown beside the input at fault.

Select fields read their choices from a ``FormContext`` shared by all forms of one page, so
the units, categories and knowledge articles are each queried once per page however many
forms show them.
"""

import json
from functools import cached_property

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhili.knowledge.models import KnowledgeArticle
from zhili.organisation.models import Unit, UnitKind
from zhili.requests.choices import DeclineReason, Satisfaction
from zhili.requests.models import ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workflow.actions import LEAD_UNIT_KINDS

YES_NO = [("1", _("是")), ("0", _("否"))]
# DeclineReason's labels are plain Chinese (the event records them): translated here, when shown.
DECLINE_CHOICES = [("", _("请选择法定理由"))] + [(value, _(label)) for value, label in DeclineReason.choices]


class FormContext:
    """What the forms of one request page share: the order, the user and cached choice lists."""

    def __init__(self, obj: ServiceRequest, user):
        self.obj = obj
        self.user = user

    @cached_property
    def units(self) -> dict[int, Unit]:
        """Active units an order may be sent to, by id (one query)."""
        # Only units that may lead an order (the workflow's guard): no community (66号), not the district.
        rows = Unit.objects.filter(is_active=True, kind__in=LEAD_UNIT_KINDS).order_by("kind", "path")
        return {u.pk: u for u in rows}

    def unit_choices(self, exclude: set[int] = frozenset()) -> list:
        """Units grouped by kind for a <select> with <optgroup>s, with an empty first option."""
        groups = []
        for kind in LEAD_UNIT_KINDS:
            options = [(u.pk, u.name) for u in self.units.values() if u.kind == kind and u.pk not in exclude]
            if options:
                groups.append((UnitKind(kind).label, options))
        return [("", _("请选择单位"))] + groups

    @cached_property
    def categories(self) -> dict[int, Category]:
        """Active categories by id in code order, from one query, each with its parent set (so
        ``full_name`` and the deadline's limit lookup walk the tree without more queries)."""
        rows = list(Category.objects.filter(is_active=True).order_by("code"))
        by_id = {c.pk: c for c in rows}
        for c in rows:
            if c.parent_id in by_id:
                c.parent = by_id[c.parent_id]
        return by_id

    def category_choices(self) -> list:
        """Categories grouped under their first-level node, labelled "一级 / 二级 / 三级"."""
        groups: dict[str, list] = {}
        for pk, category in self.categories.items():
            name = category.full_name
            groups.setdefault(name.split(" / ")[0], []).append((pk, name))
        return [("", _("未分类"))] + list(groups.items())

    @cached_property
    def articles(self) -> dict[int, KnowledgeArticle]:
        """Active knowledge-base articles by id, those of the order's category first."""
        rows = KnowledgeArticle.objects.filter(is_active=True).order_by("title")
        category = self.obj.category_id
        return {a.pk: a for a in sorted(rows, key=lambda a: a.category_id != category)}

    @cached_property
    def subdistricts(self) -> dict[int, Unit]:
        rows = Unit.objects.filter(is_active=True, kind=UnitKind.SUBDISTRICT).order_by("path")
        return {u.pk: u for u in rows}


class PickField(forms.ChoiceField):
    """A <select> over a dict of objects by id (set per form in ``setup``): ``clean`` returns
    the object, or None when the field is optional and left empty."""

    def __init__(self, *, objects: dict | None = None, **kwargs):
        self.objects = objects or {}
        super().__init__(**kwargs)

    def valid_value(self, value) -> bool:
        try:
            return int(value) in self.objects
        except (TypeError, ValueError):
            return False

    def clean(self, value):
        value = super().clean(value)
        return None if value in self.empty_values else self.objects[int(value)]


def _note(label=None, required=False, placeholder="") -> forms.CharField:
    return forms.CharField(label=label or _("说明"), required=required, max_length=2000, strip=True,
                           widget=forms.TextInput(attrs={"placeholder": placeholder, "autocomplete": "off"}))


def _text(label: str, required=True, rows=3, placeholder="") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=5000, strip=True,
                           widget=forms.Textarea(attrs={"rows": rows, "placeholder": placeholder}))


def _days(label: str, initial=None, maximum=10) -> forms.IntegerField:
    # The range is the step's rule; the attributes only help the browser's number input.
    return forms.IntegerField(label=label, initial=initial,
                              widget=forms.NumberInput(attrs={"min": 1, "max": maximum, "class": "days-input"}))


class ActionForm(forms.Form):
    """Base of every step's form. ``ctx`` is the page's FormContext; the hidden ``version``
    (optimistic locking) is written by the template, not by the form."""

    def __init__(self, data=None, *, ctx: FormContext, action: str, **kwargs):
        kwargs.setdefault("auto_id", f"act-{action}-%s")
        super().__init__(data, **kwargs)
        self.ctx = ctx
        self.action = action
        self.setup()

    def setup(self) -> None:
        """Set choices and initial values from ``self.ctx``; nothing by default."""

    @property
    def has_textarea(self) -> bool:
        """True when a field is multi-line (Enter adds a line there; Ctrl+Enter submits)."""
        return any(isinstance(field.widget, forms.Textarea) for field in self.fields.values())


class NoteForm(ActionForm):
    note = _note()


class RequiredNoteForm(ActionForm):
    note = _note(required=True)


class SupervisionForm(ActionForm):
    note = _note(_("督办意见"), placeholder=_("可选，如：请于本周五前答复"))


class ReviewForm(ActionForm):
    note = _note(_("审核意见"))


class SendBackForm(ActionForm):
    note = _note(_("退回理由"), required=True)


class ForceDispatchForm(ActionForm):
    note = _note(_("异议审核意见"), required=True, placeholder=_("如：属本单位职责，首接负责"))


class ApproveExtensionForm(ActionForm):
    note = _note(_("审批意见"))


class RejectExtensionForm(ActionForm):
    note = _note(_("驳回理由"), required=True)


class StopForm(ActionForm):
    note = _text(_("书面说明"), rows=3, placeholder=_("同一事实已依法处理的情况、文书编号等"))


class ReopenForm(ActionForm):
    note = _note(_("重办理由"), required=True)


class CloseForm(ActionForm):
    note = _note(_("办结说明"), placeholder=_("未回访的，须写明无法回访的原因"))


class ContactForm(ActionForm):
    note = _note(_("联系情况"), placeholder=_("如：已电话联系诉求人，约定明日现场查看"))


class QueueForm(ActionForm):
    reason = _note(_("转派原因"), required=True)

    def setup(self) -> None:
        self.fields["reason"].initial = _("话务员转人工派单")


class ClassifyForm(ActionForm):
    category = PickField(label=_("诉求分类"), choices=[])
    subdistrict = PickField(label=_("街道"), choices=[], required=False)
    note = _note()

    def setup(self) -> None:
        self.fields["category"].objects = self.ctx.categories
        self.fields["category"].choices = self.ctx.category_choices()
        self.fields["category"].initial = self.ctx.obj.category_id
        self.fields["subdistrict"].objects = self.ctx.subdistricts
        self.fields["subdistrict"].choices = [("", _("不变"))] + [(u.pk, u.name) for u in self.ctx.subdistricts.values()]


class DispatchForm(ActionForm):
    """派单: the lead unit (pre-filled with the dispatch catalogue's match for the order's
    category and subdistrict) and the category, which the dispatcher may correct."""

    lead_unit = PickField(label=_("主办单位"), choices=[])
    category = PickField(label=_("诉求分类"), choices=[], required=False)
    note = _note(_("派单说明"))

    def setup(self) -> None:
        from zhili.routing.dispatch import find_lead_unit

        obj = self.ctx.obj
        self.fields["lead_unit"].objects = self.ctx.units
        self.fields["lead_unit"].choices = self.ctx.unit_choices()
        self.fields["category"].objects = self.ctx.categories
        self.fields["category"].choices = self.ctx.category_choices()
        self.fields["category"].initial = obj.category_id
        self.fields["category"].help_text = _("分类有误的，可在派单时更正（记录在派单事件中）")
        match = find_lead_unit(obj.category, obj.subdistrict) if obj.category_id else None
        self.suggestion = match
        if match is not None:
            self.fields["lead_unit"].initial = match.lead_unit.pk
        self.fields["lead_unit"].help_text = self.catalogue_note(match)
        # A corrected category brings the catalogue's unit for it (forms.js reads this map):
        # {category id: [unit id, note]}, the catalogue looked up in memory, no query.
        suggestions = {}
        for pk, category in self.ctx.categories.items():
            found = find_lead_unit(category, obj.subdistrict)
            if found is not None and found.lead_unit.pk in self.ctx.units:
                suggestions[pk] = [found.lead_unit.pk, self.catalogue_note(found)]
        self.fields["category"].widget.attrs.update({
            "data-catalogue": json.dumps(suggestions, ensure_ascii=False, separators=(",", ":")),
            "data-catalogue-none": str(self.catalogue_note(None)),
            "data-catalogue-unit": self["lead_unit"].auto_id,
        })

    @staticmethod
    def catalogue_note(match) -> str:
        """The lead unit's help text: the catalogue's suggestion and its rule, or none found."""
        if match is None:
            return str(_("派单目录中没有匹配的承办单位，请人工选择"))
        return gettext("派单目录建议：%(unit)s（规则 #%(rule)s）") % {"unit": match.lead_unit.name, "rule": match.rule.pk}


class ReassignForm(ActionForm):
    lead_unit = PickField(label=_("改派至"), choices=[])
    note = _note(_("改派说明"), placeholder=_("如：异议成立，属市政设施"))

    def setup(self) -> None:
        self.fields["lead_unit"].objects = self.ctx.units
        self.fields["lead_unit"].choices = self.ctx.unit_choices(exclude={self.ctx.obj.lead_unit_id})


class ReturnForm(ActionForm):
    reason = _text(_("退单理由"), rows=2, placeholder=_("非本单位职责或辖区的依据（派单后 2 个工作日内）"))


class AssistingUnitForm(ActionForm):
    unit = PickField(label=_("协办单位"), choices=[])
    working_days = _days(_("协办时限（工作日）"), initial=3)

    def setup(self) -> None:
        self.fields["unit"].objects = self.ctx.units
        self.fields["unit"].choices = self.ctx.unit_choices(exclude={self.ctx.obj.lead_unit_id})


class AssistReportForm(ActionForm):
    text = _text(_("协办反馈"))


class ExtensionForm(ActionForm):
    working_days = _days(_("延期（工作日）"))
    reason = _text(_("延期理由"), rows=2)


class InterimReplyForm(ActionForm):
    text = _text(_("阶段性答复"), placeholder=_("已采取的措施、暂不能解决的原因"))
    promised_date = forms.DateField(label=_("承诺办结日期"), widget=forms.DateInput(attrs={"type": "date"}))


class ReplyForm(ActionForm):
    text = _text(_("答复内容"), rows=4, placeholder=_("办理结果（将答复诉求人和热线）"))


class FollowUpForm(ActionForm):
    contacted = forms.TypedChoiceField(label=_("承办单位是否联系"), choices=YES_NO, coerce=lambda v: v == "1",
                                       widget=forms.RadioSelect)
    solved = forms.TypedChoiceField(label=_("问题是否解决"), choices=YES_NO, coerce=lambda v: v == "1",
                                    widget=forms.RadioSelect)
    service_satisfaction = forms.ChoiceField(label=_("服务满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    result_satisfaction = forms.ChoiceField(label=_("结果满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    note = _note(_("回访记录"))


class MergeForm(ActionForm):
    primary = forms.CharField(label=_("主单编号"), max_length=32, strip=True,
                              widget=forms.TextInput(attrs={"placeholder": _("如 LX20260301-000123"),
                                                            "autocomplete": "off"}))

    def clean_primary(self) -> ServiceRequest:
        number = self.cleaned_data["primary"]
        primary = ServiceRequest.objects.visible_to(self.ctx.user).filter(number=number).first()
        if primary is None:
            raise forms.ValidationError(gettext("工单 %(number)s 不存在") % {"number": number})
        return primary


class ResolveForm(ActionForm):
    article = PickField(label=_("知识库条目"), choices=[])
    answer = _text(_("答复内容"), required=False, rows=2, placeholder=_("告知诉求人的内容（可选）"))

    def setup(self) -> None:
        self.fields["article"].objects = self.ctx.articles
        self.fields["article"].choices = [("", _("请选择知识库条目"))] + [
            (a.pk, a.title) for a in self.ctx.articles.values()]
        if not self.ctx.articles:
            self.fields["article"].help_text = _("知识库中还没有有效条目")


class DeclineForm(ActionForm):
    reason = forms.ChoiceField(label=_("不予受理理由"), choices=DECLINE_CHOICES)
    note = _note(_("告知内容"))


class SplitPartForm(forms.Form):
    """One part of a split: its title, text and unit."""

    title = forms.CharField(label=_("标题"), max_length=200, strip=True,
                            widget=forms.TextInput(attrs={"placeholder": _("标题"), "autocomplete": "off"}))
    text = forms.CharField(label=_("诉求内容"), max_length=5000, strip=True,
                           widget=forms.TextInput(attrs={"placeholder": _("诉求内容（这一项的事）"), "autocomplete": "off"}))
    unit = PickField(label=_("承办单位"), choices=[])


SplitPartFormSet = forms.formset_factory(SplitPartForm, extra=3, min_num=2, max_num=5,
                                         validate_min=True, validate_max=True)


class SplitForm(ActionForm):
    """拆单: 2–5 rows of (title, text, unit); blank extra rows are ignored."""

    def setup(self) -> None:
        self.parts = SplitPartFormSet(self.data if self.is_bound else None, prefix="parts",
                                      auto_id="act-split-%s", error_messages={
                                          "too_few_forms": _("拆单至少需要两项"),
                                          "too_many_forms": _("拆单最多五项")})
        for form in self.parts.forms:
            form.fields["unit"].objects = self.ctx.units
            form.fields["unit"].choices = self.ctx.unit_choices()

    @property
    def required_parts(self) -> list:
        return self.parts.forms[: self.parts.min_num]

    @property
    def optional_parts(self) -> list:
        return self.parts.forms[self.parts.min_num:]

    @property
    def optional_filled(self) -> bool:
        """True when an optional row was filled in (it is then shown opened)."""
        return any(form.is_bound and form.has_changed() for form in self.optional_parts)

    def clean(self):
        cleaned = super().clean()
        if not self.parts.is_valid():
            errors = list(self.parts.non_form_errors()) or [_("请检查每一项的标题、内容和承办单位")]
            raise forms.ValidationError(errors)
        cleaned["parts"] = [(f.cleaned_data["title"], f.cleaned_data["text"], f.cleaned_data["unit"])
                            for f in self.parts.forms if f.cleaned_data]
        return cleaned


class RevealForm(forms.Form):
    """查看完整电话: why the full number is needed (logged with the reveal)."""

    reason = forms.CharField(label=_("查看用途"), max_length=200, strip=True,
                             widget=forms.TextInput(attrs={"placeholder": _("如：回访诉求人"), "autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "reveal-%s")
        super().__init__(*args, **kwargs)


class BoardFilterForm(forms.Form):
    """The supervision board's filter (GET): the lead unit, a department or a subdistrict (its
    communities included). Empty: every order the user may see."""

    unit = forms.ModelChoiceField(
        queryset=Unit.objects.filter(kind__in=LEAD_UNIT_KINDS).order_by("kind", "code"), required=False,
        label=_("主办单位"), empty_label=_("全部单位"),
        error_messages={"invalid_choice": _("没有这个承办单位，请从列表中选择")})
