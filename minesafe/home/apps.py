from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "minesafe.home"
    verbose_name = "首页"
