from django.apps import AppConfig


class ResponseConfig(AppConfig):
    name = "minesafe.response"
    verbose_name = "报警分级处置"
