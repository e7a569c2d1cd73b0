"""Client applications of the public Open311 interface and the requests they filed.

``ApiClient``: one row per client application (a mini-program, another hotline, FixMyStreet).
Only a SHA-256 hash of its key is stored; the key itself is shown once, when it is created
(``zhili apikey create NAME`` or the admin). ``Submission``: one row per accepted Open311 POST,
the idempotency record — a retried POST with the same key finds it and gets the same answer.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class ApiClientQuerySet(models.QuerySet):
    def active(self) -> "ApiClientQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiClient(models.Model):
    """An application allowed to file requests through Open311.

    ``rate`` overrides the default throttle (``ZHILI_OPEN311_CLIENT_RATE``), as DRF writes it
    ("600/min", "20/s"); blank means the default. ``may_import_history`` lets the client send
    the history extension (a past ``requested_datetime``, the agency that handled it, a closed
    outcome) — for migrations from another city's system, never for citizens' apps.
    """

    name = models.CharField(gettext_lazy("名称"), max_length=40, unique=True)
    key_hash = models.CharField(gettext_lazy("密钥摘要"), max_length=64, unique=True, editable=False)
    key_hint = models.CharField(gettext_lazy("密钥开头"), max_length=12, editable=False,
                                help_text=gettext_lazy("密钥的前几个字符，便于辨认；完整密钥只在创建时显示一次"))
    contact = models.CharField(gettext_lazy("联系人"), max_length=200, blank=True)
    rate = models.CharField(gettext_lazy("限流"), max_length=20, blank=True, help_text=gettext_lazy("如 600/min、20/s；留空用默认值"))
    may_import_history = models.BooleanField(gettext_lazy("允许导入历史工单"), default=False)
    created_at = models.DateTimeField(gettext_lazy("创建时间"), default=timezone.now)
    revoked_at = models.DateTimeField(gettext_lazy("吊销时间"), null=True, blank=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("接口客户端")
        verbose_name_plural = gettext_lazy("接口客户端")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # DRF's permission and throttle classes ask the authenticated "user" these questions.
    is_authenticated = True


class Submission(models.Model):
    """One accepted Open311 POST: which client, under which idempotency key, which request.

    ``idempotency_key`` is the client's ``Idempotency-Key`` header, or, without one, a digest
    of ``device_id`` + ``account_id`` + the posted fields (so only an identical retry matches).
    ``fingerprint`` is the digest of the posted fields: the same key with other fields is refused.
    ``token`` answers ``GET /tokens/{token}``. ``media_url`` and ``account_id`` are kept because
    Open311 returns them; the requester's email is never stored (PIPL: collect the minimum).
    """

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="submissions")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 - NULL: no key
    fingerprint = models.CharField(max_length=64)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service_request = models.ForeignKey("requests.ServiceRequest", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="open311_submissions")
    account_id = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    # The answer given to the first POST, returned as it was to every retry.
    response = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("Open311 提交记录")
        verbose_name_plural = gettext_lazy("Open311 提交记录")
        constraints = [
            # A retried POST (same client, same key) finds the first one instead of filing again.
            models.UniqueConstraint(fields=["client", "idempotency_key"], name="submission_unique_client_key"),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.service_request_id}"
