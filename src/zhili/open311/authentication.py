"""Who is calling Open311: the client application named by ``api_key``, and its rate limit."""

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from .keys import client_for_key
from .models import ApiClient


class ApiKeyAuthentication(BaseAuthentication):
    """``api_key`` in the form or the query string → (client, client). No key: anonymous.
    A key that is wrong or revoked fails (403), on every call, so a client learns it at once."""

    def authenticate(self, request):
        key = request.query_params.get("api_key") or ""
        if not key and request.method == "POST":
            key = request.data.get("api_key") or ""
        key = key.strip()
        if not key:
            return None
        client = client_for_key(key)
        if client is None:
            raise AuthenticationFailed("api_key is not valid")
        return client, client


class HasApiKey(BasePermission):
    """Only a known client application may file requests (GeoReport v2: POST needs an api_key)."""

    message = "api_key is required"

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiClient)


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per client: its own ``rate`` or the ``open311_client`` default rate. Calls
    without a key are limited per IP address by the ``open311_anon`` rate.

    The counts live in Django's cache: per process with the default local-memory cache; set a
    shared cache (database or Redis) for one limit across server processes.
    """

    scope = "open311_client"

    def __init__(self):  # the rate depends on the caller: chosen in allow_request
        pass

    def allow_request(self, request, view):
        client = request.auth if isinstance(request.auth, ApiClient) else None
        rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        if client is not None:
            self.scope = "open311_client"
            self.rate = client.rate or rates["open311_client"]
        else:
            self.scope = "open311_anon"
            self.rate = rates["open311_anon"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiClient):
            return f"throttle_open311_client_{request.auth.pk}"
        return f"throttle_open311_anon_{self.get_ident(request)}"
