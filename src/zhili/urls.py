from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views.generic import RedirectView

admin.site.site_header = gettext_lazy("治理 · 12345 工单 管理")
admin.site.site_title = gettext_lazy("治理管理")
admin.site.index_title = gettext_lazy("系统管理")

urlpatterns = [
    # Browsers (and the admin's pages) ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("open311/v2/", include("zhili.open311.urls")),
    path("api/v1/", include("zhili.api.urls")),
    path("", include("zhili.web.urls")),
]
