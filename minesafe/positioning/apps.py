from django.apps import AppConfig


class PositioningConfig(AppConfig):
    name = "minesafe.positioning"
    verbose_name = "人员定位"
