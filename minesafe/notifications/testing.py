"""Test helpers of notifications (importable from any area's tests): the rows about an object,
and a loopback HTTP receiver standing in for a webhook receiver or an SMS gateway."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from django.db.models import QuerySet

from minesafe.notifications.models import Notification
from minesafe.notifications.services import about_q


def notes(obj: Any) -> QuerySet[Notification]:
    """Every notification about ``obj``, unscoped (what was written, not what a user sees)."""
    return Notification.objects.filter(about_q(obj))


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver / SMS gateway on loopback that answers with scripted codes and
    remembers each request's path, JSON body and Authorization header."""

    codes: list[int] = []
    bodies: list[dict[str, Any]] = []
    auth: list[str] = []
    paths: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        type(self).auth.append(self.headers.get("Authorization", ""))
        type(self).paths.append(self.path)
        code = type(self).codes.pop(0) if type(self).codes else 200
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def loopback() -> Iterator[str]:
    """A :class:`Receiver` on 127.0.0.1 for the block: yields its base URL."""
    Receiver.codes, Receiver.bodies, Receiver.auth, Receiver.paths = [], [], [], []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
