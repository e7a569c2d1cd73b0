"""``/open311/v2/``: every path ends in ``.json`` or ``.xml``; a missing or other suffix is a 400."""

from django.urls import re_path

from . import views

app_name = "open311"

SUFFIX = r"(?:\.(?P<format>[^/]*))?$"
ID = r"[^/.]+"

urlpatterns = [
    re_path(r"^discovery" + SUFFIX, views.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + SUFFIX, views.ServiceListView.as_view(), name="services"),
    re_path(rf"^services/(?P<service_code>{ID})" + SUFFIX, views.ServiceDefinitionView.as_view(),
            name="service"),
    re_path(r"^requests" + SUFFIX, views.RequestsView.as_view(), name="requests"),
    # The prose says /requests/{id}; two published Swagger files say /request/{id}: serve both.
    re_path(rf"^requests?/(?P<service_request_id>{ID})" + SUFFIX, views.RequestDetailView.as_view(),
            name="request"),
    re_path(rf"^tokens/(?P<token>{ID})" + SUFFIX, views.TokenView.as_view(), name="token"),
    re_path(r"^servicerequestupdates" + SUFFIX, views.UpdatesView.as_view(), name="updates"),
]
