from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_catalogue(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the major-hazard catalogue in step with its data file after every migrate/flush."""
    from minesafe.hazards.catalogue import sync_catalogue

    sync_catalogue(using=using)


class HazardsConfig(AppConfig):
    name = "minesafe.hazards"
    verbose_name = "隐患排查治理"

    def ready(self) -> None:
        post_migrate.connect(_load_catalogue, sender=self)
        from minesafe.hazards.licences import propose_unlicensed
        from minesafe.registry.signals import licences_flagged

        licences_flagged.connect(propose_unlicensed, dispatch_uid="hazards.unlicensed")
