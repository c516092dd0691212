from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minesafe.accounts"
    verbose_name = "机构与用户"

    def ready(self) -> None:
        from minesafe.accounts import lockout  # noqa: F401  (connects the lockout log)
