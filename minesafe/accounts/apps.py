from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minesafe.accounts"
    verbose_name = "机构与用户"

    def ready(self) -> None:
        # lockout connects the lockout log on import
        from minesafe.accounts import lockout, usercache  # noqa: F401

        usercache.connect()
