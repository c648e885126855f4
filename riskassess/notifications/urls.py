from django.urls import path

from riskassess.notifications import views

urlpatterns = [
    path(
        "notifications/<uuid:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("account/notifications/", views.notification_settings, name="notification_settings"),
]
