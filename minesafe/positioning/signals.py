"""What the positioning store tells other areas: a mine's newest personnel snapshot was kept
(``mine_id``, ``at``). Monitoring raises the three-correspondence alarms from it."""

from django.dispatch import Signal

snapshot_stored = Signal()
