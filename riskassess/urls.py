from django.contrib import admin
from django.urls import include, path

# Registers the path converters the apps' URLs use (<key:…>).
from riskassess import converters  # noqa: F401
from riskassess.deployments import dashboard
from riskassess.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", dashboard.dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("", include("riskassess.accounts.urls")),
    path("", include("riskassess.checklist.urls")),
    path("", include("riskassess.deployments.urls")),
    path("", include("riskassess.assessments.urls")),
    path("", include("riskassess.reports.urls")),
    path("", include("riskassess.evidence.urls")),
    path("", include("riskassess.discussion.urls")),
    path("", include("riskassess.notifications.urls")),
    path("", include("riskassess.work.urls")),
    path("", include("riskassess.actions.urls")),
]
