"""Where the monitoring pipeline hands personnel-positioning files to this area (issue 6 §5).

Called inside the runner's batch transaction for every parsed RYQY / RYXX / RYJZ / RYSS file.
"""

from __future__ import annotations

from typing import Any


def store_parsed(parsed: Any, mines: Any) -> None:
    """Keep what one parsed positioning file says about its mine."""
