from django.contrib import admin
from django.urls import include, path

from answers.api import api
from ragsite.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("answers.urls")),
]
