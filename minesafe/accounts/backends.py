"""Authentication backend that loads a user with the anchors its jurisdiction needs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from minesafe.accounts import usercache
from minesafe.accounts.models import User


class ScopedUserBackend(ModelBackend):
    """Django's model backend; the session user arrives with organisation, division, enterprise
    and mine joined, so scoping a request costs no extra queries; between changes it comes
    from the cache (``usercache``), so a request costs no user query at all."""

    def get_user(self, user_id: Any) -> User | None:
        user = usercache.get(user_id, self._load)
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _load(user_id: Any) -> User | None:
        return (
            User.objects.select_related("organization__division", "enterprise", "mine")
            .filter(pk=user_id)
            .first()
        )
