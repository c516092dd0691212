"""Operations that several areas' migrations share (kept free of model imports: a migration
sees the historical models through ``apps``)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def reseal(source: str) -> migrations.RunPython:
    """For a migration that reshapes a sealed model (``settings.MINESAFE_EVIDENCE``): the sealed
    digests were taken over the old fields, so the sealer seals every row of ``source`` again
    from the start (one new version link each; the old links stay in their chains) and
    ``minesafe verify`` checks each row against a digest of its new shape (docs/evidence.md)."""

    def run(apps: Any, schema_editor: Any) -> None:
        SealMark = apps.get_model("core", "SealMark")
        SealMark.objects.filter(source=source).update(until=None)

    return migrations.RunPython(run, migrations.RunPython.noop)
