from collections.abc import Iterator

import pytest

from minesafe.notifications.testing import loopback


@pytest.fixture
def receiver() -> Iterator[str]:
    """A loopback webhook receiver / SMS gateway: its URL."""
    with loopback() as base:
        yield f"{base}/hook"
