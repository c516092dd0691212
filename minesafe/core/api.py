"""API plumbing shared by every app: scoped viewsets and an exception handler that never 500s on
bad input."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from minesafe.core.context import current_user
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW, can
from minesafe.core.workflow import Refusal
from minesafe.ruledata import NoEditionInForce

#: The largest integer a database column holds (64-bit ids included).
MAX_DB_INTEGER = 2**63 - 1


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """The id of a row as input: a positive integer a column can hold, so a larger one is a 400
    naming the field rather than an overflow in the query."""
    return serializers.IntegerField(min_value=1, max_value=MAX_DB_INTEGER, **kwargs)


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts objects the caller may see."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        return super().get_queryset().restrict(getattr(request, "user", None), VIEW)


class ModelRulesSerializer(serializers.ModelSerializer):
    """Apply the model's own ``clean()`` and constraints, so pages and API share one rule set."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        instance = copy.copy(self.instance) if self.instance else self.Meta.model()
        for name, value in attrs.items():
            setattr(instance, name, value)
        instance.clean()
        instance.validate_constraints()
        return attrs


ACTIONS = {
    "list": VIEW,
    "retrieve": VIEW,
    "create": ADD,
    "update": CHANGE,
    "partial_update": CHANGE,
    "destroy": DELETE,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Model validation and constraint errors are the client's fault: answer 400, not 500; so
    is a date before the first edition of the rules that judge it (a field error where the code
    names the field, see :func:`minesafe.core.editions.judged_on`). A refused workflow step is
    403 when it is about who may take it, else 400 naming the field."""
    if isinstance(exc, Refusal):
        exc = (
            exceptions.PermissionDenied(exc.message)
            if exc.forbidden
            else exceptions.ValidationError(exc.as_dict())
        )
    elif isinstance(exc, NoEditionInForce):
        exc = exceptions.ValidationError({"detail": [exc.explain()]})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError({"detail": ["数据与已有记录冲突或违反约束"]})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


def author_is_caller(request: Request) -> None:
    """Token users are known only after DRF authenticates, past the audit middleware: make the
    caller the author of the request's changes (every API view that writes calls this)."""
    current_user.set(request.user if request.user.is_authenticated else None)


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
        super().initial(request, *args, **kwargs)
        author_is_caller(request)

    def get_queryset(self) -> Any:
        model = self.queryset.model
        return model._default_manager.restrict(self.request.user, VIEW).select_related(*self.select)


class WorkflowStepSerializer(serializers.Serializer):
    """What every workflow step may carry: a reason (some steps require one)."""

    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)


class WorkflowActions:
    """``POST <pk>/steps/<name>/``: every step of a model's workflow through one action.

    The object is looked up within the caller's jurisdiction (404 outside it); the workflow's
    table decides who may take the step (403) and what it needs (400). A viewset gives
    ``perform_step`` and, for steps that carry more than a reason, ``step_serializers``.
    """

    step_serializers: dict[str, type[serializers.Serializer]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A viewset whose steps carry more than a reason publishes each body in its schema:
        the step action is re-declared on it with one of the bodies as its request."""
        super().__init_subclass__(**kwargs)
        if "step_serializers" not in cls.__dict__:
            return
        bodies = {WorkflowStepSerializer, *cls.step_serializers.values()}
        steps = ", ".join(f"{name}: {body.__name__}" for name, body in cls.step_serializers.items())
        body = PolymorphicProxySerializer(
            component_name=f"{cls.__name__.removesuffix('ViewSet')}StepBody",
            serializers=sorted(bodies, key=lambda s: s.__name__),
            resource_type_field_name=None,
        )

        def step(self: Any, request: Request, pk: str | None = None, name: str = "") -> Response:
            return self.run_step(request, name)

        step.__doc__ = (
            f"Take one workflow step (its name in the path). Bodies by step: {steps}; "
            "any other step: WorkflowStepSerializer (a reason)."
        )
        cls.step = extend_schema(request=body)(  # type: ignore[attr-defined]
            action(detail=True, methods=["post"], url_path=r"steps/(?P<name>[a-z_]+)")(step)
        )

    def perform_step(self, obj: Any, name: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def run_step(self, request: Request, name: str) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        body = self.step_serializers.get(name, WorkflowStepSerializer)(data=request.data)
        body.is_valid(raise_exception=True)
        self.perform_step(obj, name, dict(body.validated_data))
        obj.refresh_from_db()
        return Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]

    @extend_schema(request=WorkflowStepSerializer)
    @action(detail=True, methods=["post"], url_path=r"steps/(?P<name>[a-z_]+)")
    def step(self, request: Request, pk: str | None = None, name: str = "") -> Response:
        """Take one workflow step (its name in the path; a reason in the body)."""
        return self.run_step(request, name)
