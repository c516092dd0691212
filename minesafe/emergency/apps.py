from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "minesafe.emergency"
    verbose_name = "应急撤人"
