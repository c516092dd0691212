from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "minesafe.enforcement"
    verbose_name = "监管执法"
