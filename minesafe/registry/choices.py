"""Statuses, grades and classes of the mine register, with Chinese labels and colours (REG-1..9)."""

from django.db import models


class Ownership(models.TextChoices):
    CENTRAL_SOE = "central_soe", "中央企业"
    PROVINCIAL_SOE = "provincial_soe", "省属国有企业"
    LOCAL_SOE = "local_soe", "地方国有企业"
    PRIVATE = "private", "民营企业"


class MiningMethod(models.TextChoices):
    UNDERGROUND = "underground", "井工"
    OPEN_PIT = "open_pit", "露天"


class MineStatus(models.TextChoices):
    """Production status (REG-1); changes are rows of ``StatusChange`` (REG-7)."""

    PRODUCING = "producing", "正常生产"
    CONSTRUCTION = "construction", "正常建设"
    TRIAL = "trial", "联合试运转"
    SUSPENDED = "suspended", "停产整顿"
    LONG_STOPPED = "long_stopped", "长期停产停建"
    TO_CLOSE = "to_close", "拟关闭"
    CLOSED = "closed", "已关闭"


STATUS_COLORS = {
    MineStatus.PRODUCING: "green",
    MineStatus.CONSTRUCTION: "blue",
    MineStatus.TRIAL: "cyan",
    MineStatus.SUSPENDED: "orange",
    MineStatus.LONG_STOPPED: "grey",
    MineStatus.TO_CLOSE: "red",
    MineStatus.CLOSED: "dark",
}

#: Statuses in which a mine is not allowed to cut coal; resumption needs acceptance (REG-7, 002:57).
STOPPED_STATUSES = frozenset(
    {MineStatus.SUSPENDED, MineStatus.LONG_STOPPED, MineStatus.TO_CLOSE, MineStatus.CLOSED}
)


class GasGrade(models.TextChoices):
    LOW = "low", "低瓦斯"
    HIGH = "high", "高瓦斯"
    OUTBURST = "outburst", "煤与瓦斯突出"


class HydroType(models.TextChoices):
    SIMPLE = "simple", "简单"
    MEDIUM = "medium", "中等"
    COMPLEX = "complex", "复杂"
    EXTREME = "extreme", "极复杂"


class SpontaneousCombustion(models.TextChoices):
    NOT_EASY = "not_easy", "不易自燃"
    SPONTANEOUS = "spontaneous", "自燃"
    EASY = "easy", "容易自燃"


class AppraisalKind(models.TextChoices):
    """What a disaster appraisal grades; the mine keeps the highest result (REG-2)."""

    GAS = "gas", "瓦斯等级"
    ROCK_BURST = "rock_burst", "冲击地压"
    HYDRO = "hydro", "水文地质类型"
    SPONTANEOUS_COMBUSTION = "spontaneous_combustion", "自燃倾向性"
    COAL_DUST = "coal_dust", "煤尘爆炸性"


class StandardizationGrade(models.TextChoices):
    LEVEL_1 = "1", "一级"
    LEVEL_2 = "2", "二级"
    LEVEL_3 = "3", "三级"
    NONE = "none", "未达标"


class SmartMining(models.TextChoices):
    NONE = "none", "未建设"
    BUILDING = "building", "建设中"
    PRIMARY = "primary", "初级智能化"
    INTERMEDIATE = "intermediate", "中级智能化"
    ADVANCED = "advanced", "高级智能化"


class SupervisionClass(models.TextChoices):
    """分类分级监管: A lowest risk, C highest (REG-4)."""

    A = "A", "A类"
    B = "B", "B类"
    C = "C", "C类"


CLASS_COLORS = {
    SupervisionClass.A: "green",
    SupervisionClass.B: "yellow",
    SupervisionClass.C: "red",
}


class KeyMineFlag(models.TextChoices):
    """The "seven kinds" of key mines (001:8) plus private and management-change mines (002:19)."""

    SEVERE_DISASTER = "severe_disaster", "灾害严重"
    INTEGRATION = "integration", "整合技改"
    TRIAL_PRODUCTION = "trial_production", "联合试运转"
    STOPPED = "stopped", "停产停建"
    OPEN_PIT_TO_UNDERGROUND = "open_pit_to_underground", "露天转井工"
    HIGH_STEEP_SLOPE = "high_steep_slope", "高陡边坡"
    TAILINGS_ABOVE_SETTLEMENT = "tailings_above_settlement", "头顶库"
    PRIVATE = "private", "民营煤矿"
    MANAGEMENT_CHANGES = "management_changes", "管理团队频繁变动"


class WorkingFaceKind(models.TextChoices):
    LONGWALL = "longwall", "采煤工作面"
    DEVELOPMENT = "development", "掘进工作面"


class WorkingFaceStatus(models.TextChoices):
    PLANNED = "planned", "设计"
    ACTIVE = "active", "生产"
    STOPPED = "stopped", "停止"
    FINISHED = "finished", "回采/掘进完毕"


class LicenceKind(models.TextChoices):
    """The licences a mine needs to produce legally (REG-3, 002:34)."""

    MINING = "mining", "采矿许可证"
    SAFETY_PRODUCTION = "safety_production", "安全生产许可证"
    BUSINESS = "business", "营业执照"


class LicenceWarning(models.TextChoices):
    OK = "ok", "有效"
    DAYS_90 = "90", "90天内到期"
    DAYS_30 = "30", "30天内到期"
    EXPIRED = "expired", "已过期"


LICENCE_COLORS = {
    LicenceWarning.OK: "green",
    LicenceWarning.DAYS_90: "yellow",
    LicenceWarning.DAYS_30: "orange",
    LicenceWarning.EXPIRED: "red",
}


class AssignmentKind(models.TextChoices):
    """Supervision responsibility per mine (REG-6)."""

    DAILY_SUPERVISOR = "daily_supervisor", "日常监管责任人"
    BAOBAO_LEADER = "baobao_leader", "包保责任领导"
    RESIDENT_WATCH = "resident_watch", "驻矿盯守人员"
    FIVE_PERSON_GROUP = "five_person_group", "五人小组成员"


class ProjectKind(models.TextChoices):
    NEW = "new", "新建"
    EXPANSION = "expansion", "改扩建"


class MineSize(models.TextChoices):
    LARGE = "large", "大型"
    MEDIUM = "medium", "中型"
    SMALL = "small", "小型"


class AccidentGrade(models.TextChoices):
    """生产安全事故报告和调查处理条例 art. 3 (ACC-2)."""

    ORDINARY = "ordinary", "一般事故"
    SERIOUS = "serious", "较大事故"
    MAJOR = "major", "重大事故"
    ESPECIALLY_MAJOR = "especially_major", "特别重大事故"


#: Chinese names of the REG-4 classification factors, for the dossier page.
CLASS_FACTOR_LABELS = {
    "gas_grade": "瓦斯等级",
    "rock_burst": "冲击地压",
    "hydro_type": "水文地质类型",
    "spontaneous_combustion": "自燃倾向性",
    "coal_dust_explosive": "煤尘爆炸性",
    "standardization_grade": "安全生产标准化等级",
    "status": "生产状态",
    "accidents_12m": "近12个月事故",
    "major_hazards_12m": "近12个月重大隐患",
    "management_changes_12m": "近12个月管理团队变动",
}
