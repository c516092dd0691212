"""REST API of the register (issue 2 §4): same scoping as the pages, 404 outside jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.accounts.models import Division, Organization
from minesafe.core.api import ModelRulesSerializer, ScopedRelatedField, ScopedViewSet
from minesafe.core.scoping import can
from minesafe.localtime import local_date
from minesafe.registry import excel_import, rules, services
from minesafe.registry.choices import GasGrade, HydroType, MineSize, ProjectKind
from minesafe.registry.filters import (
    EnterpriseFilterSet,
    LicenceFilterSet,
    MineFilterSet,
    WorkingFaceFilterSet,
)
from minesafe.registry.models import (
    CLASSIFY,
    ENTERPRISE_FIELDS,
    IMPORT,
    MINE_REGISTER_FIELDS,
    Enterprise,
    Licence,
    Mine,
    WorkingFace,
)


class EnterpriseSerializer(ModelRulesSerializer):
    parent = ScopedRelatedField(queryset=Enterprise.objects.all(), allow_null=True, required=False)
    division = ScopedRelatedField(queryset=Division.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Enterprise
        fields = ["id", *ENTERPRISE_FIELDS]


class MineSerializer(ModelRulesSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all())
    county = ScopedRelatedField(queryset=Division.objects.filter(level="county"))
    supervisor = ScopedRelatedField(queryset=Organization.objects.all())
    inspectorate = ScopedRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False
    )
    key_flags = serializers.SerializerMethodField()

    class Meta:
        model = Mine
        fields = [
            "id",
            "code",
            *MINE_REGISTER_FIELDS,
            "status",
            "supervision_class",
            "computed_class",
            "class_factors",
            "class_override",
            "class_override_reason",
            "key_flags",
        ]
        read_only_fields = [
            "code",
            "status",
            "supervision_class",
            "computed_class",
            "class_factors",
        ]

    def get_key_flags(self, mine: Mine) -> list[str]:
        return mine.key_flags()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        changes_class = {"class_override", "class_override_reason"} & attrs.keys()
        if changes_class and not can(self.context["request"].user, Mine, CLASSIFY):
            raise serializers.ValidationError({"class_override": "只有监管部门可以调整监管类别"})
        mine = self.instance
        if isinstance(mine, Mine):  # REG-2: a hand edit of a disaster grade needs a fresh reason
            changed = [f for f in rules.GRADE_FIELDS if f in attrs and attrs[f] != getattr(mine, f)]
            reason = str(attrs.get("grade_override_reason", "")).strip()
            if changed and (not reason or reason == mine.grade_override_reason.strip()):
                raise serializers.ValidationError(
                    {"grade_override_reason": "直接修改灾害等级属人工调整，必须说明理由"}
                )
        return super().validate(attrs)


class MineListSerializer(MineSerializer):
    """A mine in ``/api/mines/`` lists: every register field but the classification's factors.

    ``class_factors`` (the REG-4 factor breakdown, about half of each row's JSON) stays in the
    detail ``/api/mines/<id>/``; a list of 50 mines no longer reads, decodes and re-encodes it.
    """

    class Meta(MineSerializer.Meta):
        fields = [f for f in MineSerializer.Meta.fields if f != "class_factors"]
        read_only_fields = [f for f in MineSerializer.Meta.read_only_fields if f != "class_factors"]

    def to_representation(self, instance: Mine) -> dict[str, Any]:
        """DRF's representation, field by field, without its per-field lookup machinery.

        For 50 rows of 30 fields DRF's generic path (attribute lookup, ``SkipField`` and
        ``PKOnlyObject`` handling per cell) cost about 3 ms per request. The plan below is built
        once per request (the list shares this child serializer): plain attributes go straight
        to the field's own ``to_representation``, foreign keys give their ``_id`` as
        ``PrimaryKeyRelatedField`` does, method fields call their method, and anything else takes
        DRF's path. ``test_perf_queries`` checks the output equals DRF's for every mine.
        """
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = [_cell(field) for field in self._readable_fields]
        return {name: cell(self, instance) for name, cell in plan}


Cell = Callable[[serializers.Serializer[Any], Any], Any]


def _cell(field: serializers.Field[Any, Any, Any, Any]) -> tuple[str, Cell]:
    """How one list cell is computed: the same value as ``field`` gives through DRF."""
    name = field.field_name
    if isinstance(field, serializers.SerializerMethodField):
        method_name = field.method_name

        def method(serializer: serializers.Serializer[Any], obj: Any) -> Any:
            return getattr(serializer, method_name)(obj)

        return name, method
    if (
        isinstance(field, serializers.PrimaryKeyRelatedField)
        and field.pk_field is None
        and len(field.source_attrs) == 1
    ):
        attname = f"{field.source}_id"
        return name, lambda serializer, obj: getattr(obj, attname)
    if len(field.source_attrs) == 1 and not isinstance(field, serializers.RelatedField):
        source, convert = field.source, field.to_representation

        def plain(serializer: serializers.Serializer[Any], obj: Any) -> Any:
            value = getattr(obj, source)
            return None if value is None else convert(value)

        return name, plain

    def generic(serializer: serializers.Serializer[Any], obj: Any) -> Any:
        value = field.get_attribute(obj)
        return None if value is None else field.to_representation(value)

    return name, generic


#: The model fields a list row serializes (``key_flags`` is computed from them).
MINE_LIST_COLUMNS = [f for f in MineListSerializer.Meta.fields if f != "key_flags"]


class MineViewSet(ScopedViewSet):
    """Mines in the caller's jurisdiction; regulators may update them (REG-1, REG-4)."""

    queryset = Mine.objects.all()
    serializer_class = MineSerializer
    filterset_class = MineFilterSet
    select = ("enterprise", "county")
    ordering_fields = ["code", "name", "capacity", "supervision_class", "status"]
    search_fields = ["code", "name"]
    http_method_names = ["get", "put", "patch", "post", "head", "options"]
    extra_actions_scope = {"import_excel": IMPORT}

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return MineListSerializer if self.action == "list" else MineSerializer

    def get_queryset(self) -> Any:
        """A list reads only its columns: no timestamps, no factors, the enterprise's ownership
        (for the REG-5 ``private`` flag) and no county row (the fields show ids)."""
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        return (
            queryset.select_related(None)
            .select_related("enterprise")
            .only(*MINE_LIST_COLUMNS, "enterprise__ownership")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {"detail": "请使用Excel导入新增煤矿：POST /api/mines/import/"},
            status=status.HTTP_405_METHOD_NOT_ALLOWED,
        )

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={200: dict, 400: dict},
    )
    @action(
        detail=False, methods=["post"], url_path="import", parser_classes=[parsers.MultiPartParser]
    )
    def import_excel(self, request: Request) -> Response:
        """Excel import: any bad row imports nothing; errors per row and column."""
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"file": ["请上传Excel文件"]}, status=status.HTTP_400_BAD_REQUEST)
        result = excel_import.import_mines(upload, request.user)
        return Response(result.as_dict(), status=200 if result.ok else 400)


class EnterpriseViewSet(ScopedViewSet):
    queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    http_method_names = ["get", "put", "patch", "post", "head", "options"]


class WorkingFaceSerializer(ModelRulesSerializer):
    mine = ScopedRelatedField(queryset=Mine.objects.all())

    class Meta:
        model = WorkingFace
        fields = [
            "id",
            "mine",
            "name",
            "kind",
            "status",
            "seam",
            "approved_headcount",
            "started_on",
        ]


class WorkingFaceViewSet(ScopedViewSet):
    """A mine edits its own working faces; regulators those in their jurisdiction."""

    queryset = WorkingFace.objects.all()
    serializer_class = WorkingFaceSerializer
    filterset_class = WorkingFaceFilterSet
    select = ("mine",)


class LicenceSerializer(ModelRulesSerializer):
    mine = ScopedRelatedField(queryset=Mine.objects.all())
    warning = serializers.SerializerMethodField()

    class Meta:
        model = Licence
        fields = ["id", "mine", "kind", "number", "issuer", "issued_on", "valid_until", "warning"]

    def get_warning(self, licence: Licence) -> str:

        return licence.warning(local_date())


class LicenceViewSet(ScopedViewSet):
    queryset = Licence.objects.all()
    serializer_class = LicenceSerializer
    filterset_class = LicenceFilterSet
    select = ("mine",)

    # REG-3: every licence change re-checks the mine for production without valid licences.
    def perform_create(self, serializer: Any) -> None:
        super().perform_create(serializer)
        services.check_licences(serializer.instance.mine, timezone.now())

    def perform_update(self, serializer: Any) -> None:
        super().perform_update(serializer)
        services.check_licences(serializer.instance.mine, timezone.now())

    def perform_destroy(self, instance: Licence) -> None:
        mine = instance.mine
        super().perform_destroy(instance)
        services.check_licences(mine, timezone.now())


class OrganizationSerializer(serializers.ModelSerializer):
    division_name = serializers.CharField(source="division.name", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "division", "division_name", "parent"]


class OrganizationViewSet(ScopedViewSet):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    select = ("division",)
    http_method_names = ["get", "head", "options"]


class ProjectApprovalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProjectKind.choices)
    capacity = serializers.FloatField(min_value=0)
    depth = serializers.FloatField(min_value=0)
    gas_grade = serializers.ChoiceField(choices=GasGrade.choices)
    rock_burst = serializers.BooleanField()
    hydro_type = serializers.ChoiceField(choices=HydroType.choices)
    size = serializers.ChoiceField(choices=MineSize.choices)


class AccidentGradeSerializer(serializers.Serializer):
    deaths = serializers.IntegerField(min_value=0)
    serious_injuries = serializers.IntegerField(min_value=0)
    direct_loss = serializers.FloatField(min_value=0)


@extend_schema(request=ProjectApprovalSerializer, responses={200: dict})
@api_view(["POST"])
def project_approval(request: Request) -> Response:
    """REG-8: the same rule as ``minesafe rules project-approval``."""
    data = ProjectApprovalSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return Response(rules.project_approval(**data.validated_data).as_dict())


@extend_schema(request=AccidentGradeSerializer, responses={200: dict})
@api_view(["POST"])
def accident_grade(request: Request) -> Response:
    """ACC-2: the same rule as ``minesafe rules accident-grade``."""
    data = AccidentGradeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return Response(rules.accident_grade(**data.validated_data).as_dict())
