"""API plumbing shared by every app: scoped viewsets and an exception handler that never 500s on
bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from minesafe.core.context import current_user
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW, can

#: The largest primary key (a 64-bit ``BigAutoField``): a larger id in a filter overflows the
#: database driver (SQLite raises, not answers "nothing found").
MAX_ID = 2**63 - 1


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An input field holding the id of an object: a positive integer a primary key can hold."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


ACTIONS = {
    "list": VIEW,
    "retrieve": VIEW,
    "create": ADD,
    "update": CHANGE,
    "partial_update": CHANGE,
    "destroy": DELETE,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Model validation and constraint errors are the client's fault: answer 400, not 500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError({"detail": ["数据与已有记录冲突或违反约束"]})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class ScopedPermission(permissions.BasePermission):
    """Role may perform the action at all (403 otherwise); per-object scope is checked too."""

    def has_permission(self, request: Request, view: Any) -> bool:
        action = view.scope_action()
        return bool(request.user and request.user.is_authenticated) and (
            action == VIEW or can(request.user, view.queryset.model, action)
        )

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        action = view.scope_action()
        if action == VIEW:
            return True
        manager = type(obj)._default_manager
        return bool(manager.restrict(request.user, action).filter(pk=obj.pk).exists())


class ScopedViewSet(viewsets.ModelViewSet):
    """A model viewset whose rows are always ``restrict``-ed to the caller's jurisdiction.

    Objects outside jurisdiction answer 404; inside it but without the right to act, 403.
    """

    permission_classes = [ScopedPermission]

    select: tuple[str, ...] = ()
    extra_actions_scope: dict[str, str] = {}

    def scope_action(self) -> str:
        """The scoping action of the current request (custom actions name theirs)."""
        name = self.action or ""
        return self.extra_actions_scope.get(name, ACTIONS.get(name, VIEW))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Token users are known only after DRF authenticates: make them the audit author."""
        super().initial(request, *args, **kwargs)
        current_user.set(request.user if request.user.is_authenticated else None)

    def get_queryset(self) -> Any:
        model = self.queryset.model
        return model._default_manager.restrict(self.request.user, VIEW).select_related(*self.select)
