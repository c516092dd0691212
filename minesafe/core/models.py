"""The abstract base every domain model inherits, and the audit trail (REG dossier history)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from minesafe.core.scoping import VIEW, Access, RestrictedQuerySet, mine_scope, restrict


class BaseModel(models.Model):
    """Timestamps, the scoped manager and change logging for every domain object.

    Subclasses set ``access`` (see :mod:`minesafe.core.scoping`); the audit receivers in
    :mod:`minesafe.core.signals` log every create, update and delete of a subclass.
    """

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    access: ClassVar[Access] = Access()
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})

    class Meta:
        abstract = True

    def audit_mine_id(self) -> int | None:
        """The mine whose dossier history shows changes of this object."""
        path = self.access.mine_field
        if path is None:
            return None
        if path == "":
            return int(self.pk) if self.pk else None
        obj: Any = self
        for part in path.split("__"):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return int(obj.pk)


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"


def audited_object_scope(user: Any) -> Q:
    """Q selecting the audit entries whose object the user may see under its model's policy.

    A mine's history mixes objects of many models, some of them government-only (referrals,
    hazard proposals, plan entries): each entry is shown only to whom its object's own
    ``Access`` shows it. Models scoped by their mine alone need only the role check (the entry's
    mine is checked by the caller); models with a narrower ``scope`` (sealed records, a notice's
    recipient) are checked object by object through ``restrict``, so an entry of such an object
    that no longer exists is left to administrators. Entries of models without a mine have no
    mine either and are left to administrators too.
    """
    models_ = [
        model
        for model in apps.get_models()
        if issubclass(model, BaseModel)
        and not model._meta.proxy
        and model.access.mine_field is not None
        and model.access.allows(user.role, VIEW)
    ]
    types = ContentType.objects.get_for_models(*models_)
    plain = [types[m].pk for m in models_ if m.access.scope is None]
    q = Q(content_type__in=plain)
    for model in models_:
        if model.access.scope is not None:
            visible = restrict(model._default_manager.all(), user, VIEW)
            keys = visible.annotate(audit_key=Cast("pk", CharField())).values("audit_key")
            q |= Q(content_type=types[model], object_id__in=keys)
    return q


def _audit_scope(user: Any) -> Q:
    """An entry is seen in the jurisdiction of its mine, and only if its object is."""
    return mine_scope(user, "mine__") & audited_object_scope(user)


class AuditEntry(models.Model):
    """One change of one object: who, when, old → new, why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    # No database constraint: the history of a mine outlives the mine row itself.
    mine = models.ForeignKey(
        "registry.Mine",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField("操作", max_length=10, choices=AuditAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField("操作人", max_length=150, blank=True)
    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    changes = models.JSONField("变更", default=dict)
    reason = models.TextField("原因", blank=True)

    objects = RestrictedQuerySet.as_manager()
    access: ClassVar[Access] = Access(mine_field="mine", scope=_audit_scope)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class ChainLink(models.Model):
    """One sealed version of one evidence record in its mine's chain of the day
    (:mod:`minesafe.core.chain`). Written only by the sealer, never updated."""

    stream = models.CharField("链", max_length=40)
    seq = models.PositiveIntegerField("序号")
    source = models.CharField("来源", max_length=60)
    object_id = models.CharField("记录", max_length=64)
    digest = models.CharField("记录摘要", max_length=64)
    prev = models.CharField("前一链环", max_length=64)
    hash = models.CharField("链环哈希", max_length=64)
    sealed_at = models.DateTimeField("封存时间")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="chainlink_stream_seq_uniq")
        ]
        indexes = [models.Index(fields=["source", "object_id"], name="chainlink_record_idx")]
        verbose_name = "存证链环"
        verbose_name_plural = "存证链环"

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq}"


class ChainHead(models.Model):
    """The newest link of one chain: where the sealer appends, and what is published."""

    stream = models.CharField("链", max_length=40, primary_key=True)
    mine_id = models.IntegerField("煤矿", null=True, blank=True, db_index=True)
    day = models.DateField("日期", db_index=True)
    seq = models.PositiveIntegerField("序号")
    hash = models.CharField("链头哈希", max_length=64)

    class Meta:
        verbose_name = "存证链头"
        verbose_name_plural = "存证链头"

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.hash[:16]}"


class SealMark(models.Model):
    """How far the sealer has read one evidence source (by its time field)."""

    source = models.CharField("来源", max_length=60, primary_key=True)
    until = models.DateTimeField("已封存至", null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source} ≤ {self.until}"


class TransitionRecord(models.Model):
    """One step of one workflow object, the shape every area's history table inherits
    (:mod:`minesafe.core.workflow`): who (a user key and the name at the time), when, which
    step, from which state to which, why and with what evidence."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作账号",
    )
    username = models.CharField("操作人", max_length=150, blank=True)
    at = models.DateTimeField("时间")
    step = models.CharField("步骤", max_length=40, blank=True)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20)
    reason = models.TextField("说明", blank=True)
    evidence = models.JSONField("证据", default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
