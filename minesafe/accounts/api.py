"""API tokens (django-rest-knox): issued for a username and password, stored hashed, revoked.

A token is shown once, in the answer that issues it, and expires after ``API_TOKEN_TTL_DAYS``
(``REST_KNOX["TOKEN_TTL"]``). Only its owner's password issues one: the admin lists and revokes
tokens but cannot create them (``minesafe/accounts/admin.py``), so every API change the audit
attributes to a user was made with that user's own credentials.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.views import LoginView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

log = logging.getLogger(__name__)


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", write_only=True)
    password = serializers.CharField(
        label="密码", write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(
            self.context["request"], username=attrs["username"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError("用户名或密码错误", code="authorization")
        return {"user": user}


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="令牌，仅在此次应答中出现，请妥善保存")
    expiry = serializers.DateTimeField(help_text="失效时间")


class LockedOutSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="锁定原因、时长与可再试的时间")
    retry_at = serializers.DateTimeField(help_text="可再试的时间（亦见 Retry-After 头）")


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="吊销的令牌数")


class TokenLoginView(LoginView):
    """``POST /api/auth/token/``: a new token for a username and password."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=TokenLoginSerializer,
        responses={200: IssuedTokenSerializer, 429: LockedOutSerializer},
        description="用户名和密码换取 API 令牌；连续输错密码会被暂时锁定（429）。",
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        # Django's request, not DRF's: django-axes marks a locked-out attempt on the request it is
        # given, and its middleware (which sees only Django's) turns that into the 429 answer.
        serializer = TokenLoginSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        request.user = serializer.validated_data["user"]
        response = super().post(request, format)
        log.info("API token issued to %s, expires %s", request.user, response.data["expiry"])
        return response


def _tokens_of(request: Request) -> Any:
    """The caller's tokens; the endpoints below revoke by token only (a session has none)."""
    if not isinstance(request.auth, AuthToken):
        raise serializers.ValidationError(
            {"detail": "请使用 API 令牌（Authorization: Token …）调用"}
        )
    return AuthToken.objects.filter(user=request.user)


class TokenLogoutView(APIView):
    """``POST /api/auth/logout/``: revoke the token this request carries."""

    @extend_schema(request=None, responses={200: RevokedSerializer})
    def post(self, request: Request) -> Response:
        revoked, _ = _tokens_of(request).filter(digest=request.auth.digest).delete()
        log.info("API token of %s revoked by its holder", request.user)
        return Response({"revoked": revoked})


class TokenLogoutAllView(APIView):
    """``POST /api/auth/logout-all/``: revoke every token of the caller (a token leaked)."""

    @extend_schema(request=None, responses={200: RevokedSerializer})
    def post(self, request: Request) -> Response:
        revoked, _ = _tokens_of(request).delete()
        log.info("All %d API tokens of %s revoked by their holder", revoked, request.user)
        return Response({"revoked": revoked})
