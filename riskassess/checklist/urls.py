from django.urls import path

from riskassess.checklist import views

app_name = "checklist"
urlpatterns = [
    path("checklists/", views.checklist_list, name="list"),
    path("checklists/<slug:slug>/v<int:version>/", views.checklist_detail, name="detail"),
]
