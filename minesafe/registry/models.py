"""The mine register, "一矿一册" (REG-1 … REG-9): enterprises, mines and what hangs off a mine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, GOVERNMENT_ROLES, MINE_ROLES, REGULATOR_ROLES, Role
from minesafe.accounts.models import Division, Organization, TreeMixin
from minesafe.core.models import BaseModel
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW, Access, roles
from minesafe.registry import rules
from minesafe.registry.choices import (
    AppraisalKind,
    AssignmentKind,
    GasGrade,
    HydroType,
    KeyMineFlag,
    LicenceKind,
    MineStatus,
    MiningMethod,
    Ownership,
    SmartMining,
    SpontaneousCombustion,
    StandardizationGrade,
    SupervisionClass,
    WorkingFaceKind,
    WorkingFaceStatus,
)

CLASSIFY = "classify"
IMPORT = "import"

REGULATORS_EDIT = {VIEW: ALL_ROLES, ADD: REGULATOR_ROLES, CHANGE: REGULATOR_ROLES}
MINE_EDITS = {
    VIEW: ALL_ROLES,
    ADD: roles(REGULATOR_ROLES, MINE_ROLES),
    CHANGE: roles(REGULATOR_ROLES, MINE_ROLES),
    DELETE: roles(REGULATOR_ROLES, MINE_ROLES),
}


def _enterprise_scope(user: Any) -> Q:
    """Enterprises at or above the mines a user sees, those registered in a regulator's division,
    and an enterprise officer's own subtree and chain. One lazy query: no rows are fetched here."""
    visible_mines = Mine.objects.restrict(user).filter(
        enterprise__path__startswith=OuterRef("path")
    )
    scope = Q(Exists(visible_mines))
    if user.role in GOVERNMENT_ROLES and user.organization_id:
        scope |= Q(division__path__startswith=user.organization.division.path)
    if user.role == Role.ENTERPRISE_OFFICER and user.enterprise_id:
        scope |= Q(path__startswith=user.enterprise.path)
        scope |= Q(pk__in=user.enterprise.ancestor_ids())
    return scope


class Enterprise(TreeMixin, BaseModel):
    """A company in a mine's parent chain: group → 主体企业 → the mine's operator (REG-1)."""

    name = models.CharField("企业名称", max_length=150)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    ownership = models.CharField("经济类型", max_length=20, choices=Ownership.choices)
    division = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name="注册地",
        help_text="监管部门可查看注册在其辖区内的企业，即使该企业尚无煤矿",
    )
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    access: ClassVar[Access] = Access(
        mine_field=None, roles=REGULATORS_EDIT, scope=_enterprise_scope
    )

    class Meta:
        ordering = ["path"]
        verbose_name = "企业"
        verbose_name_plural = "企业"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:enterprise_detail", args=[self.pk])

    def chain(self) -> list[Enterprise]:
        """The enterprise and its parents, top first."""
        by_id = Enterprise.objects.in_bulk(self.ancestor_ids())
        return [by_id[i] for i in self.ancestor_ids() if i in by_id]


#: REG-5 key-mine flags that follow from the register (001:8, 002:19): for each flag, lookups
#: of which any one suffices. Evaluated in Python for one mine and as a Q for counts.
DERIVED_KEY_FLAGS: dict[str, list[dict[str, Any]]] = {
    KeyMineFlag.SEVERE_DISASTER: [
        {"gas_grade": GasGrade.OUTBURST},
        {"rock_burst": True},
        {"hydro_type__in": [HydroType.COMPLEX, HydroType.EXTREME]},
    ],
    KeyMineFlag.TRIAL_PRODUCTION: [{"status": MineStatus.TRIAL}],
    KeyMineFlag.STOPPED: [{"status__in": [MineStatus.SUSPENDED, MineStatus.LONG_STOPPED]}],
    KeyMineFlag.PRIVATE: [{"enterprise__ownership": Ownership.PRIVATE}],
    KeyMineFlag.MANAGEMENT_CHANGES: [{"management_changes_12m__gte": 2}],
}

_OPERATORS = {
    "exact": lambda value, wanted: value == wanted,
    "in": lambda value, wanted: value in wanted,
    "gte": lambda value, wanted: value >= wanted,
}


def _compile(condition: dict[str, Any]) -> list[tuple[list[str], Any, Any]]:
    """Django-style lookups (``a__b__in``) parsed once, to evaluate against one object without
    a query: (attribute path, operator, wanted value)."""
    parsed = []
    for lookup, wanted in condition.items():
        *path, last = lookup.split("__")
        if last in _OPERATORS:
            parsed.append((path, _OPERATORS[last], wanted))
        else:
            parsed.append(([*path, last], _OPERATORS["exact"], wanted))
    return parsed


#: ``DERIVED_KEY_FLAGS`` parsed once (a list page computes the flags of 50 mines per request).
_DERIVED_COMPILED = [
    (flag, [_compile(condition) for condition in alternatives])
    for flag, alternatives in DERIVED_KEY_FLAGS.items()
]
_FLAG_ORDER = tuple(KeyMineFlag.values)


def _holds(obj: Any, parsed: list[tuple[list[str], Any, Any]]) -> bool:
    for path, operator, wanted in parsed:
        value = obj
        for part in path:
            value = getattr(value, part)
        if not operator(value, wanted):
            return False
    return True


#: What a regulator records about an enterprise, shared by the page form and the API.
ENTERPRISE_FIELDS = [
    "name",
    "credit_code",
    "ownership",
    "parent",
    "division",
    "legal_representative",
    "phone",
]


class Mine(BaseModel):
    """One coal mine, the unit of supervision: its dossier (一矿一册, REG-1 … REG-9)."""

    code = models.CharField(
        "煤矿编码",
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Z]{6,20}$", "煤矿编码须为6至20位数字或大写字母")],
    )
    name = models.CharField("煤矿名称", max_length=150)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="mines", verbose_name="主体企业"
    )
    county = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        related_name="mines",
        verbose_name="所在县区",
        limit_choices_to={"level": "county"},
    )
    supervisor = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="supervised_mines",
        verbose_name="日常监管部门",
    )
    inspectorate = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspected_mines",
        verbose_name="监察机构",
    )
    longitude = models.DecimalField(
        "经度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        "纬度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    mining_method = models.CharField(
        "开采方式", max_length=20, choices=MiningMethod.choices, default=MiningMethod.UNDERGROUND
    )
    status = models.CharField(
        "生产状态",
        max_length=20,
        choices=MineStatus.choices,
        default=MineStatus.PRODUCING,
        db_index=True,
    )
    capacity = models.DecimalField(
        "核定产能(万吨/年)",
        max_digits=8,
        decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    depth = models.PositiveIntegerField("开采深度(米)", null=True, blank=True)
    # PER-7 (000:8; 004 task 10): the mine's approved underground headcount per shift.
    approved_underground_headcount = models.PositiveIntegerField(
        "核定井下人数", null=True, blank=True
    )
    # REG-2: the current grades, the highest of the appraisals (就高不就低).
    gas_grade = models.CharField("瓦斯等级", max_length=10, choices=GasGrade.choices, db_index=True)
    rock_burst = models.BooleanField("冲击地压", default=False)
    hydro_type = models.CharField("水文地质类型", max_length=10, choices=HydroType.choices)
    spontaneous_combustion = models.CharField(
        "自燃倾向性",
        max_length=15,
        choices=SpontaneousCombustion.choices,
        default=SpontaneousCombustion.NOT_EASY,
    )
    coal_dust_explosive = models.BooleanField("煤尘爆炸性", default=False)
    # REG-2: why a regulator set a grade other than the appraisals give (人工调整).
    grade_override_reason = models.TextField("灾害等级调整理由", blank=True)
    standardization_grade = models.CharField(
        "安全生产标准化等级",
        max_length=5,
        choices=StandardizationGrade.choices,
        default=StandardizationGrade.NONE,
    )
    smart_mining = models.CharField(
        "智能化建设", max_length=15, choices=SmartMining.choices, default=SmartMining.NONE
    )
    # Factors of REG-4 that later capabilities (accidents, hazards) keep up to date.
    accidents_12m = models.PositiveIntegerField("近12个月事故起数", default=0)
    major_hazards_12m = models.PositiveIntegerField("近12个月重大隐患次数", default=0)
    management_changes_12m = models.PositiveIntegerField("近12个月管理团队变动次数", default=0)
    # REG-4: computed class, the factors behind it, and a regulator's override.
    supervision_class = models.CharField(
        "监管类别", max_length=1, choices=SupervisionClass.choices, db_index=True, editable=False
    )
    computed_class = models.CharField(
        "规则计算类别", max_length=1, choices=SupervisionClass.choices, editable=False
    )
    class_factors = models.JSONField("分类因素", default=dict, editable=False)
    class_override = models.CharField(
        "人工调整类别", max_length=1, choices=SupervisionClass.choices, blank=True
    )
    class_override_reason = models.TextField("调整理由", blank=True)
    # REG-5: manually declared key-mine flags; derived ones come from key_flags().
    declared_key_flags = models.JSONField("重点煤矿标识", default=list, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="",
        roles={
            VIEW: ALL_ROLES,
            ADD: REGULATOR_ROLES,
            CHANGE: REGULATOR_ROLES,
            CLASSIFY: REGULATOR_ROLES,
            IMPORT: REGULATOR_ROLES,
        },
    )
    audit_exclude = BaseModel.audit_exclude | {"class_factors"}
    #: The choices the items of a JSON list are drawn from, for the change history.
    audit_item_labels: ClassVar[dict[str, type[models.TextChoices]]] = {
        "declared_key_flags": KeyMineFlag
    }

    class Meta:
        ordering = ["code"]
        verbose_name = "煤矿"
        verbose_name_plural = "煤矿"
        constraints = [
            models.CheckConstraint(
                condition=Q(class_override="") | ~Q(class_override_reason=""),
                name="mine_class_override_needs_reason",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:mine_detail", args=[self.pk])

    def clean(self) -> None:
        """REG-4: a regulator's override of the computed class always carries a reason."""
        if self.class_override and not self.class_override_reason.strip():
            raise ValidationError({"class_override_reason": "人工调整监管类别必须说明理由"})

    def class_facts(self) -> rules.ClassFactors:
        return rules.ClassFactors(
            gas_grade=self.gas_grade,
            rock_burst=self.rock_burst,
            hydro_type=self.hydro_type,
            spontaneous_combustion=self.spontaneous_combustion,
            coal_dust_explosive=self.coal_dust_explosive,
            standardization_grade=self.standardization_grade,
            status=self.status,
            accidents_12m=self.accidents_12m,
            major_hazards_12m=self.major_hazards_12m,
            management_changes_12m=self.management_changes_12m,
        )

    def classify(self, on: dt.date | None = None) -> rules.ClassResult:
        """Recompute the class from the current facts (REG-4: dynamic adjustment)."""
        result = rules.supervision_class(self.class_facts(), on)
        self.computed_class = result.supervision_class
        self.class_factors = result.as_dict()
        self.supervision_class = self.class_override or self.computed_class
        return result

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.classify()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "supervision_class",
                "computed_class",
                "class_factors",
            }
        super().save(*args, **kwargs)

    def key_flags(self) -> list[str]:
        """REG-5: declared flags plus those that follow from the register itself."""
        flags = set(self.declared_key_flags or [])
        flags.update(
            flag
            for flag, alternatives in _DERIVED_COMPILED
            if any(_holds(self, parsed) for parsed in alternatives)
        )
        return [f for f in _FLAG_ORDER if f in flags]

    @staticmethod
    def key_mine_q() -> Q:
        """The same REG-5 conditions as ``key_flags``, as one query filter."""
        q = ~Q(declared_key_flags=[])
        for alternatives in DERIVED_KEY_FLAGS.values():
            for condition in alternatives:
                q |= Q(**condition)
        return q

    def grade_overrides(self, appraisals: Iterable[DisasterAppraisal] | None = None) -> list[str]:
        """REG-2: grade fields a regulator set away from the appraisals (shown as 人工调整).

        ``appraisals`` are the mine's appraisals when the caller already has them.
        """
        by_kind: dict[str, list[str]] = {}
        for appraisal in self.appraisals.all() if appraisals is None else appraisals:
            by_kind.setdefault(appraisal.kind, []).append(appraisal.result)
        current = {name: getattr(self, name) for name in rules.GRADE_FIELDS}
        return rules.grade_overrides(current, by_kind)

    def apply_appraisals(self) -> None:
        """REG-2: set each grade to the highest result among the mine's appraisals."""
        by_kind: dict[str, list[str]] = {}
        for kind, result in self.appraisals.values_list("kind", "result"):
            by_kind.setdefault(kind, []).append(result)
        grade_fields = {
            AppraisalKind.GAS: ("gas", "gas_grade", str),
            AppraisalKind.HYDRO: ("hydro", "hydro_type", str),
            AppraisalKind.SPONTANEOUS_COMBUSTION: (
                "spontaneous_combustion",
                "spontaneous_combustion",
                str,
            ),
            AppraisalKind.ROCK_BURST: ("rock_burst", "rock_burst", lambda r: r == "yes"),
            AppraisalKind.COAL_DUST: ("coal_dust", "coal_dust_explosive", lambda r: r == "yes"),
        }
        for kind, (order, field, convert) in grade_fields.items():
            highest = rules.highest_grade(order, by_kind.get(kind, []))
            if highest is not None:
                setattr(self, field, convert(highest))


#: The register data a regulator edits on a mine, shared by the edit page and the API.
MINE_REGISTER_FIELDS = [
    "name",
    "enterprise",
    "county",
    "supervisor",
    "inspectorate",
    "longitude",
    "latitude",
    "mining_method",
    "capacity",
    "depth",
    "approved_underground_headcount",
    "gas_grade",
    "rock_burst",
    "hydro_type",
    "spontaneous_combustion",
    "coal_dust_explosive",
    "grade_override_reason",
    "standardization_grade",
    "smart_mining",
    "accidents_12m",
    "major_hazards_12m",
    "management_changes_12m",
    "declared_key_flags",
]


class WorkingFace(BaseModel):
    """A coal-winning (采煤) or development (掘进) face of a mine (REG-1)."""

    mine = models.ForeignKey(
        Mine, on_delete=models.CASCADE, related_name="working_faces", verbose_name="煤矿"
    )
    name = models.CharField("工作面名称", max_length=100)
    kind = models.CharField("类型", max_length=15, choices=WorkingFaceKind.choices)
    status = models.CharField("状态", max_length=15, choices=WorkingFaceStatus.choices)
    seam = models.CharField("煤层", max_length=30, blank=True)
    approved_headcount = models.PositiveIntegerField("核定人数", null=True, blank=True)
    started_on = models.DateField("开工日期", null=True, blank=True)

    access: ClassVar[Access] = Access(mine_field="mine", roles=MINE_EDITS)

    class Meta:
        ordering = ["mine", "kind", "name"]
        verbose_name = "工作面"
        verbose_name_plural = "工作面"
        constraints = [
            models.UniqueConstraint(fields=["mine", "name"], name="working_face_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.mine.name} {self.name}"


class Licence(BaseModel):
    """A licence with its validity (REG-3); producing without a valid one is illegal (002:34)."""

    mine = models.ForeignKey(
        Mine, on_delete=models.CASCADE, related_name="licences", verbose_name="煤矿"
    )
    kind = models.CharField("证照类型", max_length=20, choices=LicenceKind.choices)
    number = models.CharField("证号", max_length=60)
    issuer = models.CharField("发证机关", max_length=100, blank=True)
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至", db_index=True)

    access: ClassVar[Access] = Access(mine_field="mine", roles=MINE_EDITS)

    class Meta:
        ordering = ["mine", "kind", "-valid_until"]
        verbose_name = "证照"
        verbose_name_plural = "证照"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("issued_on")),
                name="licence_valid_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def clean(self) -> None:
        if self.issued_on and self.valid_until and self.valid_until <= self.issued_on:
            raise ValidationError({"valid_until": "有效期至必须晚于发证日期"})

    def warning(self, today: dt.date) -> str:
        return rules.licence_warning(self.valid_until, today)


class DisasterAppraisal(BaseModel):
    """One appraisal's result (gas grade, hydrogeology …); the mine keeps the highest (REG-2)."""

    mine = models.ForeignKey(
        Mine, on_delete=models.CASCADE, related_name="appraisals", verbose_name="煤矿"
    )
    kind = models.CharField("鉴定类型", max_length=25, choices=AppraisalKind.choices)
    result = models.CharField("鉴定结果", max_length=20)
    appraised_on = models.DateField("鉴定日期")
    agency = models.CharField("鉴定机构", max_length=100, blank=True)
    report_number = models.CharField("报告编号", max_length=60, blank=True)

    access: ClassVar[Access] = Access(mine_field="mine", roles=MINE_EDITS)

    class Meta:
        ordering = ["mine", "kind", "-appraised_on"]
        verbose_name = "灾害鉴定"
        verbose_name_plural = "灾害鉴定"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.result_label}"

    @property
    def result_label(self) -> str:
        labels: dict[str, dict[str, str]] = {
            AppraisalKind.GAS: dict(GasGrade.choices),
            AppraisalKind.HYDRO: dict(HydroType.choices),
            AppraisalKind.SPONTANEOUS_COMBUSTION: dict(SpontaneousCombustion.choices),
        }
        return labels.get(self.kind, {"yes": "有", "no": "无"}).get(self.result, self.result)


class StatusChange(BaseModel):
    """A change of production status with its reason (REG-7); resumption needs acceptance."""

    mine = models.ForeignKey(
        Mine, on_delete=models.CASCADE, related_name="status_changes", verbose_name="煤矿"
    )
    old_status = models.CharField("原状态", max_length=20, choices=MineStatus.choices)
    new_status = models.CharField("新状态", max_length=20, choices=MineStatus.choices)
    changed_on = models.DateField("变更日期")
    reason = models.TextField("变更原因")
    acceptance_document = models.CharField("复工复产验收文件", max_length=100, blank=True)
    changed_by = models.CharField("操作人", max_length=150, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="mine", roles={VIEW: ALL_ROLES, ADD: REGULATOR_ROLES}
    )

    class Meta:
        ordering = ["mine", "-changed_on", "-id"]
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"

    def __str__(self) -> str:
        return f"{self.get_old_status_display()} → {self.get_new_status_display()}"


class SupervisionAssignment(BaseModel):
    """Who supervises a mine (REG-6): daily supervisor, 包保 leader, resident watch, 五人小组."""

    mine = models.ForeignKey(
        Mine, on_delete=models.CASCADE, related_name="assignments", verbose_name="煤矿"
    )
    kind = models.CharField("责任类型", max_length=20, choices=AssignmentKind.choices)
    person = models.CharField("姓名", max_length=50)
    title = models.CharField("职务/单位", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    since = models.DateField("起始日期", null=True, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={
            VIEW: ALL_ROLES,
            ADD: REGULATOR_ROLES,
            CHANGE: REGULATOR_ROLES,
            DELETE: REGULATOR_ROLES,
        },
    )

    class Meta:
        ordering = ["mine", "kind", "person"]
        verbose_name = "监管责任"
        verbose_name_plural = "监管责任"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person}"
