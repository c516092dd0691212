from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "minesafe.violations"
    verbose_name = "三违管理"
