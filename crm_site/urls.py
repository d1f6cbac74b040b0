from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.errors import not_found
from core.views import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("", include("django.contrib.auth.urls")),
    path("", include("core.urls")),
    path("", include("users.urls")),
    path("", include("accounts.urls")),
    path("sales/", include("sales.urls")),
    path("catalog/", include("catalog.urls")),
    path("billing/", include("billing.urls")),
    path("", include("sales.leads.public_urls")),
    path("", include("sales.quotes.public_urls")),
    path("marketing/", include("marketing.urls")),
    path("service/", include("service.urls")),
    path("dashboard/", include("analytics.urls")),
    path("imports/", include("imports.urls")),
    path("api/v1/", include("crm_site.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/(?P<path>.*)$", not_found),  # JSON 404 under /api/, DEBUG or not
    path("django-admin/", admin.site.urls),
    path("dev/mail/", pages.dev_mail, name="dev_mail"),
]

handler400 = pages.error_400
handler403 = pages.error_403
handler404 = pages.error_404
handler500 = pages.error_500
