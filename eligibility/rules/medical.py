"""医疗救助 (medical assistance) for a 低保 or 特困 person (``medical``; ``request.subject``).

Status from the household's ``current`` enrolments: 特困 (``tekun``) before 低保 (``dibao``); anyone else is not
a 重点救助对象 here (ineligible).

1. Premium subsidy for resident medical insurance (changbai-2021 §二(二)8; gaige-wanshan-shehui-jiuzhu-yijian-2020
   二(三)8): 特困 ``medical.premium_subsidy.tekun_share`` × ``medical.premium`` (full); 低保 the fixed
   ``medical.premium_subsidy.dibao``, at most the premium. ``details["premium_subsidy"]``.
2. Inpatient aid, when ``extra`` has ``inpatient_cost`` (policy-scope total) — then ``insurance_paid`` (basic and
   critical-illness insurance) and ``paid_this_year`` (medical aid already received this calendar year) are
   required: self-pay = cost − insurance; aid = ``medical.inpatient_ratio.<status>`` × self-pay (≥ 70 %,
   changbai-2021 §二(二)8). Where ``medical.own_share_max`` < 1 (nantong-2021 §五(二): 10 %) and the hospital is a
   designated one in the county (``extra.in_county``, required there), the recipient's own share is at most that
   share of the total: aid = max(ratio rule, self-pay − share × cost). The aid is at most what is left of
   ``medical.annual_cap`` this year (cap − paid this year). Rounded per ``aid.rounding``.

``amount`` is the inpatient aid when an inpatient claim is given (``category = "inpatient"``), otherwise the
premium subsidy (``category = "premium"``); ``details`` carry both.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.dibao import decide
from eligibility.rules.facts import Household, Request
from eligibility.rules.parameters import ParameterSet
from eligibility.rules.rounding import exact, round_money, shown

STATUS_LABELS = {"tekun": "特困人员", "dibao": "低保对象", "low_income": "低收入家庭成员"}


def status_of(household: Household, statuses: tuple[str, ...] = ("tekun", "dibao")) -> str | None:
    """The first of ``statuses`` the household is enrolled in (特困 before 低保 before 低收入)."""
    enrolled = {c.program for c in household.current}
    return next((s for s in statuses if s in enrolled), None)


def subject_missing(request: Request) -> list[str]:
    refs = {p.ref for p in request.household.members}
    if request.subject is None:
        return ["救助对象（subject：家庭成员的 ref）"]
    if request.subject not in refs:
        return [f"救助对象 {request.subject} 不在家庭成员之中"]
    return []


def evaluate_medical(request: Request, params: ParameterSet) -> Decision:
    ex = Explainer(params)
    extra = dict(request.extra)
    missing = subject_missing(request)
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    status = status_of(request.household)
    ex.step(
        "medical.status",
        "医疗救助重点救助对象：特困人员、低保对象（changbai-2021 §二(二)8）",
        inputs={"在保项目": [c.program for c in request.household.current]},
        output=STATUS_LABELS.get(status or "", "不是低保、特困对象"),
    )
    if status is None:
        reason = "不是低保对象或特困人员，不属于本项医疗救助的重点救助对象（低收入人口可申请依申请救助）"
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    rounding_p = ex.param("aid.rounding")
    premium_p = ex.param("medical.premium")
    if status == "tekun":
        share_p = ex.param("medical.premium_subsidy.tekun_share")
        subsidy = round_money(exact(share_p.value) * exact(premium_p.value), rounding_p.value)
        subsidy_params = [premium_p, share_p, rounding_p]
    else:
        fixed_p = ex.param("medical.premium_subsidy.dibao")
        subsidy = round_money(min(fixed_p.value, premium_p.value), rounding_p.value)
        subsidy_params = [premium_p, fixed_p, rounding_p]
    ex.step(
        "medical.premium_subsidy",
        "资助参加城乡居民基本医疗保险：特困人员全额补贴，低保对象定额补贴",
        inputs={"身份": STATUS_LABELS[status]},
        params=subsidy_params,
        output=subsidy,
    )
    details: dict = {"status": status, "premium_subsidy": subsidy}
    if "inpatient_cost" not in extra:
        return decide(request, params, ex, Outcome.ELIGIBLE, amount=subsidy, category="premium", details=details)

    own_p = ex.param("medical.own_share_max")
    own_rule = own_p.value < 1
    needed = {
        "insurance_paid": "基本医保和大病保险已报销金额（extra.insurance_paid）",
        "paid_this_year": "本年度已获医疗救助金额（extra.paid_this_year）",
    }
    if own_rule:
        needed["in_county"] = "是否在县域内定点医疗机构住院（extra.in_county）"
    missing = [label for key, label in needed.items() if key not in extra]
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    cost: Decimal = extra["inpatient_cost"]
    insurance: Decimal = extra["insurance_paid"]
    paid: Decimal = extra["paid_this_year"]
    self_pay = shown(max(cost - insurance, Decimal("0")))
    ex.step(
        "medical.self_pay",
        "政策范围内住院费用经基本医保、大病保险报销后的个人负担",
        inputs={"住院总费用": cost, "保险报销": insurance},
        output=self_pay,
    )
    ratio_p = ex.param(f"medical.inpatient_ratio.{status}")
    ratio_aid = exact(ratio_p.value) * exact(self_pay)
    ex.step(
        "medical.ratio",
        "按比例救助（不低于70%）",
        inputs={"个人负担": self_pay},
        params=[ratio_p],
        output=shown(ratio_aid),
    )
    aid = ratio_aid
    own_aid = Fraction(0)
    if own_rule and extra["in_county"]:
        own_aid = max(Fraction(0), exact(self_pay) - exact(own_p.value) * exact(cost))
        applied = own_aid > ratio_aid
        ex.step(
            "medical.own_share",
            "县域内定点医疗机构住院个人自付控制在住院总费用的规定比例以内（nantong-2021 §五(二)）",
            inputs={"住院总费用": cost, "个人负担": self_pay},
            params=[own_p],
            output=shown(own_aid),
            applied=applied,
            reason="" if applied else "按比例救助后个人自付已在规定比例以内",
        )
        aid = max(ratio_aid, own_aid)
    elif own_rule:
        ex.step(
            "medical.own_share",
            "县域内住院个人自付比例上限",
            params=[own_p],
            output=Decimal("0.00"),
            applied=False,
            reason="不在县域内定点医疗机构住院，不适用",
        )
    cap_p = ex.param("medical.annual_cap")
    remaining = shown(max(cap_p.value - paid, Decimal("0")))
    capped = aid > remaining
    amount = round_money(min(aid, exact(remaining)), rounding_p.value)
    ex.step(
        "medical.annual_cap",
        "在年度救助限额内救助（扣除本年度已救助金额）",
        inputs={"应救助": shown(aid), "本年已救助": paid, "剩余限额": remaining},
        params=[cap_p, rounding_p],
        output=amount,
        applied=capped,
        reason="" if capped else "未超过剩余年度限额",
    )
    details.update(
        {
            "self_pay": self_pay,
            "ratio_aid": shown(ratio_aid),
            "own_share_aid": shown(own_aid),
            "cap_remaining": remaining,
            "capped": capped,
        }
    )
    if amount <= 0:
        reason = "本年度医疗救助限额已用完" if remaining <= 0 else "没有需要救助的个人负担费用"
        details["reasons"] = (reason,)
        return decide(request, params, ex, Outcome.INELIGIBLE, category="inpatient", details=details)
    return decide(request, params, ex, Outcome.ELIGIBLE, amount=amount, category="inpatient", details=details)
