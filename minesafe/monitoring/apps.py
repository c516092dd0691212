from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "minesafe.monitoring"
    verbose_name = "实时监测"

    def ready(self) -> None:
        from minesafe.monitoring.personnel import on_snapshot_stored
        from minesafe.positioning.signals import snapshot_stored

        snapshot_stored.connect(on_snapshot_stored, dispatch_uid="monitoring.missing_cards")
