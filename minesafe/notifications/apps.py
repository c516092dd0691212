from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "minesafe.notifications"
    verbose_name = "通知"
