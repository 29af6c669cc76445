"""Every parameter a profile may set: key, type, unit and Chinese label.

The national baseline (``eligibility/profiles/national.json``) gives a value, or an explicit local
default, for every key; local profiles override only what their document sets. Values in the JSON
files are strings for money and ratios (parsed to ``Decimal``), ints, bools, strings, or lists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamDef:
    key: str
    type: str  # "money", "ratio", "int", "bool", "choice", "list", "map"
    label: str
    unit: str = ""
    choices: tuple[str, ...] = ()


# Vocabularies of list parameters (the values of ``cases.choices``; repeated here because this package
# imports nothing from Django). An empty ``choices`` on a list means free strings.
INCOME_KINDS = (
    "wages",
    "business",
    "agriculture",
    "property",
    "pension",
    "support_received",
    "unemployment_benefit",
    "other_transfer",
    "other",
    "basic_pension",
    "preferential",
    "family_planning",
    "scholarship",
    "heroic_award",
    "social_assistance",
    "job_cost",
    "transfer_expense",
)
EXPENSE_KINDS = ("medical", "education", "rehabilitation", "care", "other")
EDUCATION_STAGES = (
    "preschool",
    "primary",
    "junior",
    "senior",
    "vocational",
    "higher_vocational",
    "bachelor",
    "postgraduate",
)
# 增发对象: 重病 (on the county's list), 重残 (disability grade 1–2), 70 周岁以上, 未成年人, 在读大学生
# (higher_vocational / bachelor / postgraduate).
SUPPLEMENT_GROUPS = ("serious_illness", "severe_disability", "elderly_70", "minor", "college_student")
# 单人户 (dibao-shenhe-queren-banfa-2021 第八条; doudi-baozhang-tongzhi-2022 一(一)): grade 1–2 disabled;
# grade 3 intellectual/mental disabled; serious illness; adult unemployed severely disabled (2022);
# self-paid medical costs this year above last year's household income (maiji-2021, with
# single.medical_cost_test).
SINGLE_GROUPS = (
    "severe_disability",
    "intellectual_mental_3",
    "serious_illness",
    "unemployed_severe_disabled_adult",
)

_DEFS = [
    # --- standards and reference figures -------------------------------------------------------------
    ParamDef("dibao.standard.urban", "money", "城市低保标准", "元/人·月"),
    ParamDef("dibao.standard.rural", "money", "农村低保标准", "元/人·月"),
    ParamDef("reference.disposable_income_last_year", "money", "上年度居民人均可支配收入", "元/人·年"),
    # --- income (dibao-shenhe-queren-banfa-2021 第十三条) ----------------------------------------------
    ParamDef("income.exempt_kinds", "list", "不计入家庭收入的收入类别", choices=INCOME_KINDS),
    ParamDef("income.deductible_kinds", "list", "可从家庭收入中扣减的类别", choices=INCOME_KINDS),
    ParamDef("income.deduct_rigid_expenses_at_entry", "bool", "新申请时扣减刚性支出（医疗、教育等）"),
    ParamDef("income.rigid_expense_kinds", "list", "可扣减的刚性支出类别", choices=EXPENSE_KINDS),
    # --- property (第十四条) -------------------------------------------------------------------------
    ParamDef("property.financial_months", "int", "人均金融资产上限（月数 × 低保标准）", "月"),
    ParamDef("property.vehicle_rule", "choice", "机动车规则", choices=("ignore", "none_allowed", "value_limit")),
    ParamDef("property.vehicle_value_limit", "money", "机动车价值上限", "元"),
    ParamDef("property.max_homes", "int", "可拥有住房套数上限（不含豁免）", "套"),
    # --- dibao amount --------------------------------------------------------------------------------
    ParamDef("dibao.floor_per_person", "money", "月人均最低补差", "元/人·月"),
    ParamDef("dibao.supplement.share", "ratio", "重点对象增发（占低保标准比例）"),
    ParamDef("dibao.supplement.groups", "list", "增发对象类别", choices=SUPPLEMENT_GROUPS),
    ParamDef("dibao.supplement.stacking", "choice", "多类增发的叠加方式", choices=("stack", "highest")),
    ParamDef("dibao.rounding", "choice", "金额取整", choices=("fen", "jiao", "yuan")),
    ParamDef("dibao.category.scheme", "choice", "分类施保方式", choices=("none", "abc", "maiji")),
    ParamDef("dibao.recheck_months", "map", "各类别核查周期", "月"),
    # --- 单人户 (第八条) ------------------------------------------------------------------------------
    ParamDef("single.household_income_multiple", "ratio", "单人户：家庭人均收入上限（低保标准的倍数）"),
    ParamDef("single.groups", "list", "单人户可纳入人员类别", choices=SINGLE_GROUPS),
    ParamDef("single.medical_cost_test", "bool", "单人户：本年自付医疗费超过上年家庭总收入可纳入"),
    ParamDef("single.cap_to_household_equivalent", "bool", "单人户金额不高于同类人员按户保障的金额"),
    # --- 渐退 ----------------------------------------------------------------------------------------
    ParamDef("exit.enabled", "bool", "实行渐退"),
    ParamDef("exit.income_multiple", "ratio", "渐退：人均收入上限（低保标准的倍数）"),
    ParamDef("exit.cause", "choice", "渐退：收入增加的原因", choices=("any", "work")),
    ParamDef("exit.months", "int", "渐退期", "月"),
    ParamDef("exit.months_with_disabled", "int", "渐退期（家中有残疾人）", "月"),
    ParamDef("exit.amount_mode", "choice", "渐退期金额", choices=("unchanged", "yearly_decrease")),
    ParamDef("exit.yearly_decrease", "ratio", "渐退期每年递减比例"),
    # --- 特困 ----------------------------------------------------------------------------------------
    ParamDef("tekun.minor_age", "int", "未成年人年龄上限", "岁"),
    ParamDef("tekun.continue_in_school", "bool", "年满18周岁后在校就读的继续供养"),
    ParamDef("tekun.school_stages", "list", "年满18周岁后继续供养的在读学段", choices=EDUCATION_STAGES),
    ParamDef("tekun.elderly_age", "int", "老年人年龄（视为无劳动能力）", "岁"),
    ParamDef("tekun.exempt_kinds", "list", "特困：不计入个人收入的收入类别", choices=INCOME_KINDS),
    ParamDef("tekun.basic_multiple.scattered", "ratio", "分散供养基本生活标准（低保标准的倍数）"),
    ParamDef("tekun.basic_multiple.centralised", "ratio", "集中供养基本生活标准（低保标准的倍数）"),
    ParamDef("tekun.basic_uses_last_year_standard", "bool", "基本生活标准按上年度低保标准计算"),
    ParamDef("tekun.care_share.capable", "ratio", "照料护理标准：具备自理能力（全自理）"),
    ParamDef("tekun.care_share.partial", "ratio", "照料护理标准：部分丧失（半护理）"),
    ParamDef("tekun.care_share.none", "ratio", "照料护理标准：完全丧失（全护理）"),
    ParamDef("tekun.funeral_months", "int", "丧葬费：基本生活与照料护理标准的月数（0 为不发）", "月"),
    ParamDef("tekun.rounding", "choice", "金额取整", choices=("fen", "jiao", "yuan")),
    ParamDef("tekun.recheck_months", "int", "特困人员核查周期", "月"),
    ParamDef("tekun.labour_disability_grades", "map", "视为无劳动能力的残疾：残疾类别 → 最低（最轻）等级"),
    ParamDef("tekun.supporter_dibao_age", "int", "义务人为低保对象时视为无履行能力的年龄", "岁"),
    ParamDef("tekun.supporter_elderly_age", "int", "义务人为老年人且收入低于上年人均可支配收入时的年龄", "岁"),
    ParamDef("tekun.supporter_disability_grades", "map", '义务人为重度残疾人：残疾类别 → 最低等级（"*" 为任意类别）'),
    # --- 低收入 / 低保边缘 / 刚性支出困难 ----------------------------------------------------------
    ParamDef("low_income.edge_multiple", "ratio", "低保边缘：人均收入上限（低保标准的倍数）"),
    ParamDef("low_income.multiple", "ratio", "低收入家庭：人均收入上限（低保标准的倍数）"),
    ParamDef("rigid.spending_share", "ratio", "刚性支出困难：刚性支出占家庭收入比例下限"),
    # --- 办理程序 (cases.workflow reads these; dibao-shenhe-queren-banfa-2021, tekun-renyuan-rending-banfa-2021) ---
    ParamDef("procedure.confirmation_level", "choice", "审核确认权限", choices=("county", "town")),
    ParamDef("procedure.dibao_days", "int", "低保办理时限（受理至审核确认）", "工作日"),
    ParamDef("procedure.dibao_days_extended", "int", "低保办理时限（特殊情况延长）", "工作日"),
    ParamDef("procedure.dibao_days_delegated", "int", "低保办理时限（审核确认权下放乡镇）", "工作日"),
    ParamDef("procedure.tekun_days", "int", "特困办理时限（受理至认定，0 为只按分段时限）", "工作日"),
    ParamDef("procedure.investigation_start_days", "int", "受理后启动调查核实的时限", "工作日"),
    ParamDef("procedure.county_opinion_days", "int", "县级收到材料后提出审核确认意见的时限（低保）", "工作日"),
    ParamDef("procedure.tekun_town_days", "int", "特困：乡镇提出初审意见的时限（自受理）", "工作日"),
    ParamDef("procedure.tekun_county_days", "int", "特困：县级作出认定决定的时限（自收到材料）", "工作日"),
    ParamDef("procedure.refusal_notice_days", "int", "不予确认：书面告知理由的时限", "工作日"),
    ParamDef("procedure.notice_days", "int", "公示期", "天"),
    ParamDef("procedure.democratic_evaluation", "choice", "民主评议", choices=("contested", "always")),
    ParamDef("procedure.home_visit_skippable", "bool", "经济状况核对已掌握的核查项目可不入户调查"),
    ParamDef("procedure.tekun_sample_share", "ratio", "特困：县级抽查乡镇审核同意案件的比例下限"),
    # --- 临时救助 / 医疗救助 / 教育救助 (temporary.py, medical.py, education.py) -------------------------
    ParamDef("aid.rounding", "choice", "临时、医疗救助金额取整", choices=("fen", "jiao", "yuan")),
    ParamDef("temp.emergency.town_limit", "money", "急难型：乡镇（街道）小金额先行救助上限", "元"),
    ParamDef("temp.emergency.prepay_max", "money", "急难型：先行救助、后置审批的一次性上限", "元"),
    ParamDef("temp.bridge_months", "int", "申请低保、特困期间先行急难救助（城市低保标准的月数，0 为不设）", "月"),
    ParamDef("temp.expenditure.share", "ratio", "支出型：超出承受能力部分的救助比例"),
    ParamDef("temp.expenditure.cap_months", "int", "支出型：救助上限（低保标准的月数）", "月"),
    ParamDef("temp.expenditure.instalments", "int", "支出型：一次审批、分次发放的期数", "期"),
    ParamDef("temp.reserve.per_resident", "money", "临时救助备用金：年初按辖区人口预拨标准（0 为按需核定）", "元/人"),
    ParamDef("medical.premium", "money", "城乡居民基本医疗保险个人缴费", "元/人·年"),
    ParamDef("medical.premium_subsidy.tekun_share", "ratio", "资助参保：特困人员补贴比例"),
    ParamDef("medical.premium_subsidy.dibao", "money", "资助参保：低保对象定额补贴", "元/人·年"),
    ParamDef("medical.inpatient_ratio.tekun", "ratio", "住院救助比例：特困人员"),
    ParamDef("medical.inpatient_ratio.dibao", "ratio", "住院救助比例：低保对象"),
    ParamDef("medical.annual_cap", "money", "医疗救助年度限额", "元/人·年"),
    ParamDef("medical.own_share_max", "ratio", "县域内住院个人自付占总费用比例上限（1 为不设）"),
    ParamDef("education.statuses", "list", "教育救助：学生家庭类别", choices=("dibao", "tekun", "low_income")),
    ParamDef("education.amounts", "map", "教育救助：各学段资助金额（元/人·年；未列学段不予救助）", "元/年"),
]

PARAMETERS: dict[str, ParamDef] = {d.key: d for d in _DEFS}
