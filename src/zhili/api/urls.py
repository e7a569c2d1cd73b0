"""``/api/v1/``: orders, their workflow steps (one path per step), reference data, the OpenAPI
schema (``schema/``) and Swagger UI (``docs/``, served from our own static files)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from . import views

app_name = "api"

urlpatterns = [
    path("requests/", views.RequestListView.as_view(), name="request-list"),
    path("requests/<str:number>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("requests/<str:number>/actions/", views.AllowedActionsView.as_view(), name="request-actions"),
    *[path(f"requests/<str:number>/actions/{action}/", view.as_view(), name=f"request-{action}")
      for action, view in views.STEP_VIEWS.items()],
    path("units/", views.UnitListView.as_view(), name="unit-list"),
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
         name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny],
                                                 authentication_classes=[]), name="docs"),
]
