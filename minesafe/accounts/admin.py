"""The admin's view of API tokens: listed and revoked, never created or shown.

knox's own admin creates a token for any user and prints it: whoever holds it then acts as that
user, and the audit trail names the user, not the administrator. Here a token comes only from its
owner's password (``POST /api/auth/token/``); the admin sees who holds one, its first characters
(which do not authenticate) and its expiry, and revokes it by deleting it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from knox.models import AuthToken

admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "token_key", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("user__username", "token_key")
    fields = ("user", "token_key", "created", "expiry")
    readonly_fields = fields
    ordering = ("-created",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
