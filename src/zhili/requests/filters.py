"""The filters of a list of service requests: one FilterSet for the pages (and, later, the API).

The FilterSet narrows a queryset it is given; it never widens it. Callers pass
``ServiceRequest.objects.visible_to(user)`` (row-level access first), so a filter can only
show fewer of the orders the user may see. Parameters (all optional, GET):

| name            | value                                   | matches                                      |
|-----------------|-----------------------------------------|----------------------------------------------|
| ``state``       | a ``State`` value                       | that state                                   |
| ``category``    | id of a first-level category, or "null" | the category or any category below it; none  |
| ``lead_unit``   | id of a unit, or "null"                 | that lead unit; not dispatched               |
| ``subdistrict`` | id of a subdistrict, or "null"          | that subdistrict; place not recognised       |
| ``overdue``     | "yes" / "no"                            | open and past ``due_at`` / everything else   |
| ``received_from``, ``received_to`` | dates YYYY-MM-DD     | received on or after / on or before that     |
|                 |                                         | Asia/Shanghai date (both ends inclusive)     |
| ``q``           | text                                    | number or title contains it                  |

"null" buckets match the "未分类" / "未派单" / "未识别街道" rows of ``assessment.stats.totals``.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
import django_filters.fields
from django import forms
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from zhili.inputs import PLAUSIBLE_YEARS
from zhili.organisation.models import Unit, UnitKind
from zhili.taxonomy.models import Category

from .choices import State
from .models import ServiceRequest

# Business dates are Asia/Shanghai dates (domain.md §2), whatever the server's time zone.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
NULL = "null"


def validate_plausible_date(value: dt.date) -> None:
    """Dates outside ``zhili.inputs.PLAUSIBLE_YEARS`` (1900–2100) are refused: typing errors, and year 1 or 9999 overflow."""
    from django.core.exceptions import ValidationError

    if value is not None and value.year not in PLAUSIBLE_YEARS:
        raise ValidationError(gettext("日期应在 1900 年到 2100 年之间"))


def local_day_start(day: dt.date) -> dt.datetime:
    """00:00 of ``day`` in Asia/Shanghai, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)


class UnitTreeChoiceField(django_filters.fields.ModelChoiceField):
    """Unit options that show the tree: each level below the district indented once more."""

    def label_from_instance(self, obj: Unit) -> str:
        depth = max(obj.path.count("/") - 3, 0)  # "/370102/x/" is depth 0: the district's children
        return "\u3000" * depth + obj.display_name


class UnitChoiceFilter(django_filters.ModelChoiceFilter):
    """Filter by one unit (exactly that unit, not its sub-units), picked from the unit tree."""

    field_class = UnitTreeChoiceField


class ServiceRequestFilterSet(django_filters.FilterSet):
    """Filters of the request list (see the module docstring for the parameters)."""

    q = django_filters.CharFilter(label=gettext_lazy("编号/标题"), method="filter_text")
    state = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=State.choices, empty_label=gettext_lazy("全部状态"))
    category = django_filters.ModelChoiceFilter(
        label=gettext_lazy("一级分类"), queryset=Category.objects.filter(level=1), method="filter_category",
        empty_label=gettext_lazy("全部分类"), null_label=gettext_lazy("未分类"), null_value=NULL,
    )
    lead_unit = UnitChoiceFilter(
        label=gettext_lazy("主办单位"), queryset=Unit.objects.all(), empty_label=gettext_lazy("全部单位"),
        null_label=gettext_lazy("未派单"), null_value=NULL,
    )
    subdistrict = django_filters.ModelChoiceFilter(
        label=gettext_lazy("街道"), queryset=Unit.objects.filter(kind=UnitKind.SUBDISTRICT), empty_label=gettext_lazy("全部街道"),
        null_label=gettext_lazy("未识别街道"), null_value=NULL,
    )
    overdue = django_filters.ChoiceFilter(
        label=gettext_lazy("超期"), choices=[("yes", gettext_lazy("已超期")), ("no", gettext_lazy("未超期"))], empty_label=gettext_lazy("是否超期"),
        method="filter_overdue",
    )
    received_from = django_filters.DateFilter(label=gettext_lazy("受理日期从"), method="filter_received_from",
                                              widget=forms.DateInput(attrs={"type": "date"}),
                                              validators=[validate_plausible_date])
    received_to = django_filters.DateFilter(label=gettext_lazy("受理日期至"), method="filter_received_to",
                                            widget=forms.DateInput(attrs={"type": "date"}),
                                            validators=[validate_plausible_date])

    class Meta:
        model = ServiceRequest
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        """Number or title contains the text (case-insensitive)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))

    def filter_category(self, queryset, name, value):
        """The chosen first-level category and everything below it (three levels at most)."""
        if value == NULL:
            return queryset.filter(category__isnull=True)
        return queryset.filter(
            Q(category=value) | Q(category__parent=value) | Q(category__parent__parent=value)
        )

    def filter_overdue(self, queryset, name, value):
        """"yes": open orders past their deadline (``overdue()``); "no": all the others."""
        if value == "yes":
            return queryset.overdue()
        return queryset.exclude(pk__in=ServiceRequest.objects.overdue().values("pk"))

    def filter_received_from(self, queryset, name, value):
        """Received at or after 00:00 Asia/Shanghai of the date."""
        return queryset.filter(received_at__gte=local_day_start(value))

    def filter_received_to(self, queryset, name, value):
        """Received before 00:00 Asia/Shanghai of the next day (the date itself included)."""
        return queryset.filter(received_at__lt=local_day_start(value + dt.timedelta(days=1)))
