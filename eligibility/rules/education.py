"""教育救助 (education assistance) for a student of an eligible household (``education``; ``request.subject``).

- The household's status (``current`` enrolments) must be one of ``education.statuses`` (national: 低保, 特困 —
  gaige-wanshan-shehui-jiuzhu-yijian-2020 二(三)9; Nantong adds 低收入家庭 — nantong-2021 §五(二)).
- The stage is ``extra.stage`` or, failing that, the subject's ``education_stage`` while ``in_school``.
- Amount (yuan per school year) = ``education.amounts[stage]`` (maiji-2021 §四(三)9; jiuhuashan-2021 §二(二)4); the
  documents give no figures, so the amounts are local defaults (see the profiles' notes). A stage the map does
  not list gets nothing here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.dibao import decide
from eligibility.rules.facts import Request
from eligibility.rules.medical import STATUS_LABELS, status_of, subject_missing
from eligibility.rules.parameters import ParameterSet
from eligibility.rules.schema import EDUCATION_STAGES

STAGE_LABELS = {
    "preschool": "学前教育",
    "primary": "小学",
    "junior": "初中",
    "senior": "普通高中",
    "vocational": "中等职业教育",
    "higher_vocational": "高职（专科）",
    "bachelor": "本科",
    "postgraduate": "研究生",
}


def stage_amount(amounts: object, stage: str) -> Decimal | None:
    """The yuan amount of ``stage`` in an ``education.amounts`` map; ``ValueError`` for a malformed profile."""
    raw = dict(amounts).get(stage)  # type: ignore[call-overload]
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"education.amounts 中 {stage} 的金额不是数字：{raw!r}") from None
    if not value.is_finite() or value < 0 or isinstance(raw, bool):
        raise ValueError(f"education.amounts 中 {stage} 的金额无效：{raw!r}")
    return value.quantize(Decimal("0.01"))


def evaluate_education(request: Request, params: ParameterSet) -> Decision:
    ex = Explainer(params)
    missing = subject_missing(request)
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    person = next(p for p in request.household.members if p.ref == request.subject)
    statuses_p = ex.param("education.statuses")
    status = status_of(request.household, tuple(s for s in ("tekun", "dibao", "low_income") if s in statuses_p.value))
    ex.step(
        "education.status",
        "教育救助对象：规定类别家庭的学生（gaige-wanshan-shehui-jiuzhu-yijian-2020 二(三)9）",
        inputs={"在保项目": [c.program for c in request.household.current]},
        params=[statuses_p],
        output=STATUS_LABELS.get(status or "", "不属于规定类别"),
    )
    if status is None:
        reason = "家庭不属于本辖区教育救助的对象类别（" + "、".join(STATUS_LABELS[s] for s in statuses_p.value) + "）"
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    stage = dict(request.extra).get("stage")
    if stage is None and person.in_school and person.education_stage in EDUCATION_STAGES:
        stage = person.education_stage
    if stage is None:
        return decide(
            request, params, ex, Outcome.NEEDS_INFORMATION, missing=["在读学段（extra.stage 或成员的 education_stage）"]
        )
    amounts_p = ex.param("education.amounts")
    amount = stage_amount(amounts_p.value, stage)
    ex.step(
        "education.amount",
        "按教育阶段给予资助（元/学年；maiji-2021 §四(三)9、jiuhuashan-2021 §二(二)4 未给金额的为本地默认）",
        inputs={"学段": STAGE_LABELS[stage]},
        params=[amounts_p],
        output=amount,
    )
    details = {"status": status, "stage": stage}
    if amount is None or amount == 0:
        reason = f"本辖区未对{STAGE_LABELS[stage]}阶段规定教育救助"
        details["reasons"] = (reason,)
        return decide(request, params, ex, Outcome.INELIGIBLE, category=stage, details=details)
    return decide(request, params, ex, Outcome.ELIGIBLE, amount=amount, category=stage, details=details)
