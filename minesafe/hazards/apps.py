from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "minesafe.hazards"
    verbose_name = "隐患排查治理"
