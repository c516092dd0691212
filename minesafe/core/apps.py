from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "minesafe.core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from minesafe.core import signals  # noqa: F401  (connects the audit receivers)
