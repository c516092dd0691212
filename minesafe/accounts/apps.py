from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minesafe.accounts"
    verbose_name = "机构与用户"
