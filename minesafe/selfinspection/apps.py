from django.apps import AppConfig


class SelfInspectionConfig(AppConfig):
    name = "minesafe.selfinspection"
    verbose_name = "自查自改"
