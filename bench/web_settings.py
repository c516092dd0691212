"""The product's settings with the benchmark's URLconf: the floor views exist only while
``python -m bench.web`` runs its server, never in the product's URLs."""

from minesafe.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"
