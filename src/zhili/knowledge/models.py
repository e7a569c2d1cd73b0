"""The knowledge base (知识库): answers an operator gives at once (直办, JN 23, BJ 11)."""

from django.db import models
from django.utils.translation import gettext_lazy


class KnowledgeArticle(models.Model):
    """One answer. ``category`` ties it to the taxonomy for suggestions; ``reviewed_at`` lets
    supervisors find stale articles (JN 28: a stale knowledge base is a supervision trigger)."""

    title = models.CharField(gettext_lazy("标题"), max_length=200)
    body = models.TextField(gettext_lazy("内容"))
    category = models.ForeignKey("taxonomy.Category", verbose_name=gettext_lazy("分类"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="knowledge_articles")
    owner_unit = models.ForeignKey("organisation.Unit", verbose_name=gettext_lazy("提供单位"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(gettext_lazy("有效"), default=True)
    reviewed_at = models.DateField(gettext_lazy("最近核实"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("知识库条目")
        verbose_name_plural = gettext_lazy("知识库")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
