"""Units that handle work orders (承办单位), arranged as a tree, and the people who belong to them.

The tree: district → departments; district → subdistricts (街道) → communities (社区);
district → enterprises (water, power, gas, heat). ``path`` materialises each unit's ancestry
so "this unit and its sub-units" is one indexed prefix filter.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class UnitKind(models.TextChoices):
    DISTRICT = "district", gettext_lazy("区")
    DEPARTMENT = "department", gettext_lazy("部门")
    SUBDISTRICT = "subdistrict", gettext_lazy("街道")
    COMMUNITY = "community", gettext_lazy("社区")
    ENTERPRISE = "enterprise", gettext_lazy("企业")


class Unit(models.Model):
    """A handling unit. ``code`` is stable: the national 9/12-digit code for subdistricts and
    communities (NBS 统计用区划代码), the 6-digit GB/T 2260 code for the district, and a
    ``<district>-D<nn>`` / ``<district>-E<nn>`` code for departments and enterprises."""

    code = models.CharField(gettext_lazy("代码"), max_length=32, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    short_name = models.CharField(gettext_lazy("简称"), max_length=50, blank=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey("self", verbose_name=gettext_lazy("上级单位"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    # "/370102/370102001/370102001002/": the codes from the root; the reader is Unit.subtree().
    path = models.CharField(max_length=400, db_index=True, editable=False)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("承办单位")
        verbose_name_plural = gettext_lazy("承办单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The short name where one is set, otherwise the full name."""
        return self.short_name or self.name

    def subtree(self) -> models.QuerySet["Unit"]:
        """This unit and every unit below it (``organisation.subtree.within``)."""
        from .subtree import within

        return Unit.objects.filter(within([self.path]))


class PlaceAlias(models.Model):
    """Another name by which people refer to a subdistrict or community (a short form, an old
    name, a landmark). The place resolver matches these in addresses and texts besides the
    official names. Editable by an administrator."""

    alias = models.CharField(gettext_lazy("别名"), max_length=50, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=gettext_lazy("对应单位"), on_delete=models.CASCADE, related_name="aliases")
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = gettext_lazy("地名别名")
        verbose_name_plural = gettext_lazy("地名别名")

    def __str__(self) -> str:
        return f"{self.alias} → {self.unit}"


class MembershipRole(models.TextChoices):
    HANDLER = "handler", gettext_lazy("承办人")
    LEADER = "leader", gettext_lazy("单位负责人")


class Membership(models.Model):
    """A person's place in a unit. A person's role across the system (operator, dispatcher, …)
    is a Django group (``zhili.organisation.roles``); membership says which unit's orders they work."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(gettext_lazy("岗位"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.HANDLER)

    class Meta:
        verbose_name = gettext_lazy("单位成员")
        verbose_name_plural = gettext_lazy("单位成员")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"
