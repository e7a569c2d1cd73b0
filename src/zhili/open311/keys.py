"""API keys of Open311 client applications: created and revoked by an administrator.

A key is 40 random URL-safe characters after the prefix ``zk_``; only its SHA-256 hex digest is
stored (a key has 240 bits of entropy, so a fast hash is enough: nothing to brute-force).
"""

import hashlib
import secrets
import threading
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import ApiClient

KEY_PREFIX = "zk_"


class ApiKeyError(Exception):
    """A key could not be created or revoked; the message is Chinese and fit for the console."""


def hash_key(key: str) -> str:
    """The stored digest of a key (64 hex characters)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(30)


@transaction.atomic
def create_client(name: str, *, contact: str = "", rate: str = "", may_import_history: bool = False
                  ) -> tuple[ApiClient, str]:
    """Create a client application and its key. Returns (client, key): the key is not stored
    and cannot be shown again. Raises ApiKeyError for an empty or taken name or a bad rate."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyError("客户端名称不能为空")
    if ApiClient.objects.filter(name=name).exists():
        raise ApiKeyError(f"客户端“{name}”已存在；如需新密钥，请先吊销（revoke）再创建")
    check_rate(rate)
    key = new_key()
    client = ApiClient.objects.create(name=name, key_hash=hash_key(key), key_hint=key[:8], contact=contact,
                                      rate=rate, may_import_history=may_import_history)
    return client, key


def issue_key(client: ApiClient) -> str:
    """Give an existing client (e.g. one made in the admin) a fresh key; the old key stops working."""
    key = new_key()
    client.key_hash, client.key_hint = hash_key(key), key[:8]
    return key


def revoke_client(name: str) -> ApiClient:
    """Revoke a client's key at once (its past submissions stay). Raises ApiKeyError when unknown
    or already revoked."""
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        raise ApiKeyError(f"客户端“{name}”不存在")
    if client.revoked_at is not None:
        raise ApiKeyError(f"客户端“{name}”已于 {timezone.localtime(client.revoked_at):%Y-%m-%d %H:%M} 吊销")
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    return client


class _KnownKeys:
    """Active clients by key digest, kept per process for ``TTL`` seconds: every Open311 POST
    names its key, and a lookup is one of the POST's few SQL statements.

    Only positive answers are kept (an unknown or revoked key is asked again every time, so a
    new key works at once). A revocation in this process (``revoke_client``, the admin's action,
    any save of an ApiClient) forgets the cache at once; one made by another process (another
    server worker, ``zhili apikey revoke`` on the console) takes effect there within ``TTL``
    seconds. The ApiClient objects are shared: read them, never save them.
    """

    TTL = 5.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_hash: dict[str, tuple[float, ApiClient]] = {}
        self.generation = 0  # bumped by every invalidation: a lookup begun before one is not cached

    def invalidate(self, **kwargs) -> None:
        with self.lock:
            self.by_hash = {}
            self.generation += 1

    def invalidate_on_commit(self, **kwargs) -> None:
        """After a save or delete: at once, and again when its transaction commits (a lookup made
        meanwhile read the row as it was before the change)."""
        self.invalidate()
        transaction.on_commit(self.invalidate)

    def get(self, digest: str) -> ApiClient | None:
        hit = self.by_hash.get(digest)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.TTL:
            return hit[1]
        generation = self.generation
        client = ApiClient.objects.active().filter(key_hash=digest).first()
        with self.lock:
            if client is None:
                self.by_hash.pop(digest, None)
            elif generation == self.generation:  # no revocation since the row was read
                if len(self.by_hash) > 1000:  # a bound: clients are few
                    self.by_hash = {}
                self.by_hash[digest] = (now, client)
        return client


_known_keys = _KnownKeys()
post_save.connect(_known_keys.invalidate_on_commit, sender=ApiClient, weak=False)
post_delete.connect(_known_keys.invalidate_on_commit, sender=ApiClient, weak=False)


def invalidate_cache() -> None:
    """Forget the per-process key cache (after a bulk revocation without signals; tests)."""
    _known_keys.invalidate()


def client_for_key(key: str) -> ApiClient | None:
    """The active client whose key this is, or None (unknown, empty or revoked).

    Served from a per-process cache of active keys for up to ``_KnownKeys.TTL`` (5) seconds: a
    revocation made in another process is refused there within those seconds."""
    if not key:
        return None
    return _known_keys.get(hash_key(key))


def check_rate(rate: str) -> None:
    """Raise ApiKeyError unless ``rate`` is blank or DRF's "N/period" (period s, m, h, d …)."""
    if not rate:
        return
    number, _, period = rate.partition("/")
    if not number.isdigit() or int(number) < 1 or not period or period[0] not in "smhd":
        raise ApiKeyError(f"限流“{rate}”格式不对，应如 600/min、20/s")
