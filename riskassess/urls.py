from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("riskassess.accounts.urls")),
    path("", include("riskassess.checklist.urls")),
    # Until the assessments dashboard exists, the checklist browser is the home page.
    path("", RedirectView.as_view(pattern_name="checklist:list"), name="home"),
]
