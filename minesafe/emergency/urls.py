"""Pages of the emergency area (under /emergency/): evacuation orders (MON-8, EMG-2)."""

from django.urls import path

from minesafe.emergency import views

app_name = "emergency"

urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("orders/new/", views.OrderCreateView.as_view(), name="order_add"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/lift/", views.OrderLiftView.as_view(), name="order_lift"),
    path("inbox/", views.inbox, name="inbox"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("targets/<int:pk>/receive/", views.ReceiveView.as_view(), name="target_receive"),
    path("targets/<int:pk>/confirm/", views.ConfirmView.as_view(), name="target_confirm"),
    path("targets/<int:pk>/spot-check/", views.SpotCheckView.as_view(), name="target_spot_check"),
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/new/", views.WarningCreateView.as_view(), name="warning_add"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_read, name="notices_read"),
]
