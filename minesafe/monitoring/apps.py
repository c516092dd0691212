from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "minesafe.monitoring"
    verbose_name = "实时监测"
