from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "minesafe.registry"
    verbose_name = "煤矿档案"
