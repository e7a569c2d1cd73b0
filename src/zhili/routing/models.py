"""The dispatch catalogue (派单目录): (category, area) → lead unit, domain.md §4."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy


class DispatchRule(models.Model):
    """One row of the catalogue.

    A rule applies to its category and every category below it; ``area`` (a subdistrict)
    narrows it to one place. ``territorial`` (属地) rules send the order to the subdistrict where
    the matter is, and apply only when the place is known; duty rules (行业) name a department
    or enterprise in ``lead_unit``. Department duties are never pushed down to communities
    (国办函〔2025〕66号), so a territorial rule stops at the subdistrict.
    The most specific rule wins: deeper category first, then a rule for the area over one without.
    """

    category = models.ForeignKey("taxonomy.Category", verbose_name=gettext_lazy("诉求分类"), on_delete=models.CASCADE,
                                 related_name="dispatch_rules")
    area = models.ForeignKey("organisation.Unit", verbose_name=gettext_lazy("适用街道"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    territorial = models.BooleanField(gettext_lazy("属地派单"), default=False)
    lead_unit = models.ForeignKey("organisation.Unit", verbose_name=gettext_lazy("主办单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="dispatch_rules")
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("派单目录")
        verbose_name_plural = gettext_lazy("派单目录")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="dispatch_rule_unique_category_area"),
            models.CheckConstraint(
                condition=models.Q(territorial=True) | models.Q(lead_unit__isnull=False),
                name="dispatch_rule_duty_needs_unit",
            ),
        ]

    def __str__(self) -> str:
        # Shown in pages (the intake suggestion, the admin) and, rendered in Chinese by the
        # workflow (``zhili.workflow.errors.recorded``), in the note of an automatic dispatch.
        target = gettext("属地街道") if self.territorial else str(self.lead_unit)
        return f"{self.category} → {target}"


class CategoryCorrection(models.Model):
    """A person's correction of the model's category: a labelled example for the next training
    (style.md: store every suggestion beside the final choice; that is how accuracy is measured
    and how the model learns). Written by the workflow when a dispatcher or operator sets a
    category other than the one the model suggested."""

    request = models.ForeignKey("requests.ServiceRequest", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(gettext_lazy("文本"))
    suggested = models.ForeignKey("taxonomy.Category", verbose_name=gettext_lazy("模型建议"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    corrected = models.ForeignKey("taxonomy.Category", verbose_name=gettext_lazy("人工修正"), on_delete=models.PROTECT,
                                  related_name="+")
    model_version = models.CharField(gettext_lazy("模型版本"), max_length=40, blank=True)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(gettext_lazy("时间"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("分类修正")
        verbose_name_plural = gettext_lazy("分类修正")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.suggested} → {self.corrected}"
