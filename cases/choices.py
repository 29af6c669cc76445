"""Choice lists of the household registry, with the clause behind each income treatment."""

from __future__ import annotations

from django.db import models


class AreaType(models.TextChoices):
    URBAN = "urban", "城市"
    RURAL = "rural", "农村"


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", "在册"  # the household exists and its members are registered here
    CLOSED = "closed", "已注销"  # dissolved (all members moved, died or joined other households)


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    PARENT = "parent", "父母"
    PARENT_IN_LAW = "parent_in_law", "公婆/岳父母"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他共同生活人员"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class DisabilityType(models.TextChoices):
    VISUAL = "visual", "视力残疾"
    HEARING = "hearing", "听力残疾"
    SPEECH = "speech", "言语残疾"
    PHYSICAL = "physical", "肢体残疾"
    INTELLECTUAL = "intellectual", "智力残疾"
    MENTAL = "mental", "精神残疾"
    MULTIPLE = "multiple", "多重残疾"


class LabourAbility(models.TextChoices):
    FULL = "full", "有劳动能力"
    PARTIAL = "partial", "部分丧失劳动能力"
    NONE = "none", "无劳动能力"


class SelfCareLevel(models.TextChoices):
    # tekun-renyuan-rending-banfa-2021 第二十二条
    CAPABLE = "capable", "具备生活自理能力"  # all six items met
    PARTIAL = "partial", "部分丧失生活自理能力"  # 1–3 items not met
    NONE = "none", "完全丧失生活自理能力"  # 4 or more items not met


class EducationStage(models.TextChoices):
    NONE = "none", "未上学/已离校"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "普通高中"
    VOCATIONAL = "vocational", "中等职业教育"
    HIGHER_VOCATIONAL = "higher_vocational", "高等职业教育（专科）"
    BACHELOR = "bachelor", "本科"
    POSTGRADUATE = "postgraduate", "研究生"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "单位就业"
    SELF_EMPLOYED = "self_employed", "个体经营"
    FLEXIBLE = "flexible", "灵活就业"
    FARMING = "farming", "务农"
    UNEMPLOYED = "unemployed", "失业（有劳动能力未就业）"
    RETIRED = "retired", "退休"
    STUDENT = "student", "在校学生"
    NOT_WORKING = "not_working", "无劳动能力/未就业"


class IncomeTreatment(models.TextChoices):
    COUNTED = "counted", "计入家庭收入"
    EXEMPT = "exempt", "不计入家庭收入"
    DEDUCTIBLE = "deductible", "从家庭收入中扣减"


class IncomeKind(models.TextChoices):
    WAGES = "wages", "工资性收入"
    BUSINESS = "business", "经营净收入（工商业、服务业）"
    AGRICULTURE = "agriculture", "经营净收入（农林牧渔业）"
    PROPERTY = "property", "财产净收入（利息、红利、租金等）"
    PENSION = "pension", "离退休金、养老金（不含基础养老金）"
    SUPPORT_RECEIVED = "support_received", "赡养（抚养、扶养）费"
    UNEMPLOYMENT_BENEFIT = "unemployment_benefit", "失业保险金"
    OTHER_TRANSFER = "other_transfer", "其他转移性收入（赔偿、捐赠、遗属补助等）"
    OTHER = "other", "其他应计入收入"
    BASIC_PENSION = "basic_pension", "城乡居民基本养老保险基础养老金"
    PREFERENTIAL = "preferential", "优待抚恤金"
    FAMILY_PLANNING = "family_planning", "计划生育奖励与扶助金"
    SCHOLARSHIP = "scholarship", "奖学金、助学金"
    HEROIC_AWARD = "heroic_award", "见义勇为等奖励性补助"
    SOCIAL_ASSISTANCE = "social_assistance", "政府发放的社会救助款物"
    JOB_COST = "job_cost", "必要的就业成本"
    TRANSFER_EXPENSE = "transfer_expense", "转移性支出（个人缴纳的税款、社会保险费等）"


_BASIS = "dibao-shenhe-queren-banfa-2021 第十三条"

# How each kind enters the household income, and the clause that says so. Local profiles may exempt
# more (第十三条 (四): "设区的市级以上地方人民政府规定的其他收入"); that is the rules engine's business.
INCOME_TREATMENT: dict[str, tuple[str, str]] = {
    IncomeKind.WAGES: (IncomeTreatment.COUNTED, f"{_BASIS}（一）"),
    IncomeKind.BUSINESS: (IncomeTreatment.COUNTED, f"{_BASIS}（二）"),
    IncomeKind.AGRICULTURE: (IncomeTreatment.COUNTED, f"{_BASIS}（二）"),
    IncomeKind.PROPERTY: (IncomeTreatment.COUNTED, f"{_BASIS}（三）"),
    IncomeKind.PENSION: (IncomeTreatment.COUNTED, f"{_BASIS}（四）"),
    IncomeKind.SUPPORT_RECEIVED: (IncomeTreatment.COUNTED, f"{_BASIS}（四）"),
    IncomeKind.UNEMPLOYMENT_BENEFIT: (IncomeTreatment.COUNTED, f"{_BASIS}（四）"),
    IncomeKind.OTHER_TRANSFER: (IncomeTreatment.COUNTED, f"{_BASIS}（四）"),
    IncomeKind.OTHER: (IncomeTreatment.COUNTED, f"{_BASIS}（五）"),
    IncomeKind.BASIC_PENSION: (IncomeTreatment.EXEMPT, f"{_BASIS} 不计入（三）"),
    IncomeKind.PREFERENTIAL: (IncomeTreatment.EXEMPT, f"{_BASIS} 不计入（一）"),
    IncomeKind.FAMILY_PLANNING: (IncomeTreatment.EXEMPT, f"{_BASIS} 不计入（一）"),
    IncomeKind.SCHOLARSHIP: (IncomeTreatment.EXEMPT, f"{_BASIS} 不计入（一）"),
    IncomeKind.HEROIC_AWARD: (IncomeTreatment.EXEMPT, f"{_BASIS} 不计入（一）"),
    IncomeKind.SOCIAL_ASSISTANCE: (IncomeTreatment.EXEMPT, f"{_BASIS} 不计入（二）"),
    IncomeKind.JOB_COST: (IncomeTreatment.DEDUCTIBLE, f"{_BASIS} 末款：必要的就业成本可适当扣减"),
    IncomeKind.TRANSFER_EXPENSE: (IncomeTreatment.DEDUCTIBLE, f"{_BASIS}（四）：转移净收入扣减转移性支出"),
}


class IncomeSource(models.TextChoices):
    DECLARED = "declared", "申请人申报"
    VERIFIED = "verified", "信息核对"
    INVESTIGATED = "investigated", "入户调查核实"


class AssetKind(models.TextChoices):
    # dibao-shenhe-queren-banfa-2021 第十四条
    DEPOSIT = "deposit", "银行存款、现金"
    SECURITIES = "securities", "证券、基金"
    INSURANCE = "insurance", "商业保险（现金价值）"
    CLAIM = "claim", "债权"
    INTERNET_FINANCE = "internet_finance", "互联网金融资产"
    VEHICLE = "vehicle", "机动车辆"
    REAL_ESTATE = "real_estate", "房产"
    OTHER = "other", "其他财产（林木、大型农机等）"


class ExpenseKind(models.TextChoices):
    # gangxing-zhichu-kunnan-jiating-rending-2024; nantong-2021 §三(二)
    MEDICAL = "medical", "医疗费用（医保报销后自付部分）"
    EDUCATION = "education", "教育费用"
    REHABILITATION = "rehabilitation", "康复费用"
    CARE = "care", "护理费用"
    OTHER = "other", "其他刚性支出"


class SupporterRelation(models.TextChoices):
    # 法定赡养、扶养、抚养义务人 outside the household
    CHILD = "child", "子女（赡养）"
    PARENT = "parent", "父母（抚养）"
    SPOUSE = "spouse", "配偶（扶养）"
    GRANDCHILD = "grandchild", "孙子女/外孙子女（赡养）"
    GRANDPARENT = "grandparent", "祖父母/外祖父母（抚养）"
    SIBLING = "sibling", "兄、姐（扶养）"


class MembershipEnd(models.TextChoices):
    MOVED_OUT = "moved_out", "迁出/不再共同生活"
    DECEASED = "deceased", "死亡"
    MARRIED_OUT = "married_out", "婚嫁迁出"
    JOINED_OTHER = "joined_other", "并入其他家庭"
    REGISTERED_IN_ERROR = "error", "登记错误"


# --- applications and their workflow (cases.models.workflow) ------------------------------------------


class ApplicationKind(models.TextChoices):
    NEW = "new", "新申请"
    RECHECK = "recheck", "复核"
    CHANGE = "change", "变更"
    EXIT = "exit", "退出"


class ProgramCode(models.TextChoices):
    # The rules engine's program codes (eligibility.rules.engine.PROGRAMS).
    DIBAO = "dibao", "低保（按户）"
    DIBAO_SINGLE = "dibao_single", "低保（单人户）"
    TEKUN = "tekun", "特困供养"
    TEMP_EMERGENCY = "temp_emergency", "临时救助（急难型）"
    TEMP_EXPENDITURE = "temp_expenditure", "临时救助（支出型）"
    MEDICAL = "medical", "医疗救助"
    EDUCATION = "education", "教育救助"


# Programs decided for one person of the household (the application names its subject).
SUBJECT_PROGRAMS = frozenset({ProgramCode.DIBAO_SINGLE, ProgramCode.TEKUN, ProgramCode.MEDICAL, ProgramCode.EDUCATION})
# Programs that follow the full 低保/特困 procedure with public notice (dibao-shenhe-queren-banfa-2021 第十九条,
# tekun-renyuan-rending-banfa-2021 第十五条).
NOTICE_PROGRAMS = frozenset({ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE, ProgramCode.TEKUN})
# Programs that become a monthly enrolment (在保) when confirmed.
ENROLMENT_PROGRAMS = NOTICE_PROGRAMS


class ApplicationStatus(models.TextChoices):
    MATERIALS_PENDING = "materials_pending", "待补齐材料"  # 一次性告知 issued; not yet accepted
    ACCEPTED = "accepted", "已受理"  # the investigation must start within 3 working days
    INVESTIGATING = "investigating", "调查核实中"  # economic verification requested, home visit
    EVALUATED = "evaluated", "已评估"  # a decision snapshot exists; 民主评议 if required, then town review
    TOWN_APPROVED = "town_approved", "乡镇审核同意，待公示"
    NOTICE = "notice", "公示中"
    DECISION = "decision", "待审核确认"  # with the county (or the town where delegated)
    POST_APPROVAL = "post_approval", "已先行救助，待后置审批"  # 急难型 above the town's limit
    CONFIRMED = "confirmed", "已确认"
    REFUSED = "refused", "不予确认"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.MATERIALS_PENDING,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.INVESTIGATING,
        ApplicationStatus.EVALUATED,
        ApplicationStatus.TOWN_APPROVED,
        ApplicationStatus.NOTICE,
        ApplicationStatus.DECISION,
        ApplicationStatus.POST_APPROVAL,
    }
)


class Channel(models.TextChoices):
    WINDOW = "window", "窗口申请"
    ONLINE = "online", "网上申请"
    PROXY = "proxy", "委托代办"
    DISCOVERY = "discovery", "主动发现"


class DeliberationResult(models.TextChoices):
    AGREE = "agree", "多数同意"
    DISAGREE = "disagree", "多数不同意"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "在保"
    EXITING = "exiting", "渐退期"
    SUSPENDED = "suspended", "暂停"
    ENDED = "ended", "已停保"


class DiscoveryStatus(models.TextChoices):
    OPEN = "open", "待处理"
    CONVERTED = "converted", "已转为申请"
    CLOSED = "closed", "已办结（不需救助）"


class IncomeRiseCause(models.TextChoices):
    # Why an enrolled household's income rose (渐退 where the profile limits it to work: exit.cause).
    WORK = "work", "就业创业"
    OTHER = "other", "其他原因"


class EnrolmentChangeCause(models.TextChoices):
    NEW = "new", "新纳入"
    RECHECK = "recheck", "复核调整"
    CHANGE = "change", "变更调整"
    GRADUATED_EXIT = "graduated_exit", "渐退"
    EXIT = "exit", "停保（退出）"
    EVENT = "event", "事件（死亡、服刑、成年等）"
    STANDARD = "standard", "标准调整（提标）"


# --- life events (cases.models.events) ---------------------------------------------------------------


class LifeEventKind(models.TextChoices):
    DEATH = "death", "死亡"  # tekun 第二十四条(一) ends 特困 support; 低保: review within 3 months (2022 notice 一(三))
    IMPRISONMENT = "imprisonment", "服刑"  # a prisoner is not a counted member (dibao 第七条); 特困 suspended
    RELEASE = "release", "刑满释放"  # the 复核 decides whether the person's share is restored
    ADULTHOOD = "adulthood", "特困未成年人年满18周岁"  # tekun 第二十四条: support to 18, longer while in school


class LifeEventSource(models.TextChoices):
    CASEWORKER = "caseworker", "经办人登记"  # a caseworker (or county reviewer) recorded it from a report
    DEPARTMENT = "department", "部门推送"  # pushed by another department (公安、卫健、司法 …) through the API
    SYSTEM = "system", "系统"  # found by the daily run (a 特困 minor turning 18)
