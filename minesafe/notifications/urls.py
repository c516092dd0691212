from django.urls import path

from minesafe.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="read"),
    path("log/", views.delivery_log, name="log"),
    path("preferences/", views.preferences, name="preferences"),
]
