"""Enforcement officers' certificates (ENF-4): every enforcement document names at least two
officers with the numbers of their enforcement certificates (执法证号)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from minesafe.core.models import BaseModel
from minesafe.core.scoping import Access
from minesafe.enforcement.models.access import GOV_ACTIONS, body_scope


def _certificate_scope(user: object) -> models.Q:
    return body_scope(user, "user__organization__")


class OfficerCertificate(BaseModel):
    """The enforcement certificate an officer shows on site (安全生产法第六十七条第二款); kept in
    the enforcement area, one per officer."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enforcement_certificate",
        verbose_name="执法人员",
    )
    number = models.CharField(
        "执法证号",
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z\-]{6,30}$", "执法证号须为6至30位数字或字母")],
    )
    issued_by = models.CharField("发证机关", max_length=100, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)

    access: ClassVar[Access] = Access(mine_field=None, roles=GOV_ACTIONS, scope=_certificate_scope)

    class Meta:
        ordering = ["number"]
        verbose_name = "行政执法证"
        verbose_name_plural = "行政执法证"

    def __str__(self) -> str:
        return f"{self.user}（执法证号 {self.number}）"
