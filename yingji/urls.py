"""URLs: the API, the language switch, and every capability app's pages.

Each app's urls.py is included under its label (e.g. /resources/), so its
URLs can be found with grep in that file.
"""

from importlib import import_module

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.module_loading import module_has_submodule

from yingji.accounts import views as account_views
from yingji.api import grouped_urls
from yingji.core import views as core_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("manifest.webmanifest", core_views.manifest, name="manifest"),
    path("roads.geojson", core_views.roads, name="roads"),
    path("api/v1/", grouped_urls()),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

for app_module in settings.YINGJI_APPS:
    label = app_module.rsplit(".", 1)[-1]
    if label == "core":
        continue
    if module_has_submodule(import_module(app_module), "urls"):
        urlpatterns.append(path(f"{label}/", include(f"{app_module}.urls")))

# Errors outside the API's own handlers (an unknown /api/v1/ path, a crash before Ninja)
# still answer the API's JSON error shape under /api/ (core/views.py).
handler400 = "yingji.core.views.bad_request"
handler404 = "yingji.core.views.not_found"
handler500 = "yingji.core.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
