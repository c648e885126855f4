from django.urls import path

from riskassess.deployments import dashboard, views

app_name = "deployments"
urlpatterns = [
    path("deployments/", dashboard.deployment_list, name="list"),
    path("deployments/<uuid:deployment_id>/", views.deployment_detail, name="detail"),
    path("deployments/<uuid:deployment_id>/edit/", views.deployment_edit, name="edit"),
    path("base-models/", views.base_model_list, name="base_models"),
    path("base-models/new/", views.base_model_new, name="base_model_new"),
    path("base-models/<int:base_model_id>/", views.base_model_detail, name="base_model"),
]
