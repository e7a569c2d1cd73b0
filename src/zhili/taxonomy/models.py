"""The 3-level category tree of citizen requests (诉求分类 一级/二级/三级), domain.md §4.

Codes are stable: two digits per level ("05", "0503", "050312"), assigned once by the loader
and never reused, so dispatch rules and Open311 ``service_code`` survive renames.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class Category(models.Model):
    """One node of the tree. ``time_limit_days`` overrides the default handling limit (working
    days, JN 24: 5); ``time_limit_hours`` marks an urgent matter with a limit in natural hours
    (BJ 13). Lookups of the effective limit walk up to the nearest ancestor that sets one."""

    code = models.CharField(gettext_lazy("编码"), max_length=16, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(gettext_lazy("级别"))
    parent = models.ForeignKey("self", verbose_name=gettext_lazy("上级分类"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    time_limit_days = models.PositiveSmallIntegerField(gettext_lazy("办理时限（工作日）"), null=True, blank=True)
    time_limit_hours = models.PositiveSmallIntegerField(gettext_lazy("紧急时限（小时）"), null=True, blank=True)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("诉求分类")
        verbose_name_plural = gettext_lazy("诉求分类")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_under_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def at_path(cls, names) -> "Category | None":
        """The category named by ``names`` from the top ("城乡建设", "住房保障与房地产", "物业服务"),
        one query a level; None when a level does not exist or ``names`` is empty."""
        node = None
        for name in names:
            node = cls.objects.filter(parent=node, name=name).first()
            if node is None:
                return None
        return node

    def ancestors_and_self(self) -> list["Category"]:
        """[self, parent, grandparent …] — at most three nodes."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def full_name(self) -> str:
        """"城乡建设 / 安全生产 / 事故处理"."""
        return " / ".join(c.name for c in reversed(self.ancestors_and_self()))

    def effective_time_limit(self, default_days: int) -> tuple[int | None, int | None]:
        """(working days, hours) for this category: the nearest setting up the tree.

        Hours win over days when a node sets them (an urgent matter). Returns
        (default_days, None) when no node sets anything.
        """
        for node in self.ancestors_and_self():
            if node.time_limit_hours:
                return None, node.time_limit_hours
            if node.time_limit_days:
                return node.time_limit_days, None
        return default_days, None
