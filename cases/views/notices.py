"""Printable notices of a case (通知书), as A4 print-ready HTML in a standalone layout
(``templates/cases/notices/_print_base.html``: no navigation, a 打印 button hidden when printing).

- 受理通知书 (``notice-acceptance``): the acceptance and the time limits that now run;
- 一次性告知书 (``notice-materials``): every missing material, listed once (dibao-shenhe-queren-banfa-2021 第十条);
- 入户调查表 (``notice-visit-form``): members (ID numbers masked), what to verify, the visits recorded, signatures
  of at least two investigators and the applicant (第十六条);
- 公示名单 (``notice-public-list``): the cases under notice in one village — applicant's name, persons covered,
  program, proposed amount and the notice period, nothing else (第十九条, 第二十四条);
- 审核确认决定书 / 不予确认通知书 (``notice-decision``): the decision, with written reasons and appeal rights when
  refused (第二十一条, 第三十八条).

Every object is fetched through a scoped selector (outside the user's jurisdiction: 404). Each print is an
audited read (``cases.services.notices``); a notice the case does not have yet is refused with 409, and a village
assistant asking for the applicant's notices with 403.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from assistance.models import Region
from assistance.roles import RegionLevel
from cases import selectors
from cases.choices import ENROLMENT_PROGRAMS, SUBJECT_PROGRAMS, ApplicationStatus, ProgramCode
from cases.models import Application, Enrolment, Member
from cases.services.notices import NoticeKind, notice_print_record, notice_public_list_print_record

# The programs' names as a formal document writes them.
PROGRAM_TITLES = {
    ProgramCode.DIBAO: "最低生活保障",
    ProgramCode.DIBAO_SINGLE: "最低生活保障（单人户）",
    ProgramCode.TEKUN: "特困人员救助供养",
    ProgramCode.TEMP_EMERGENCY: "临时救助（急难型）",
    ProgramCode.TEMP_EXPENDITURE: "临时救助（支出型）",
    ProgramCode.MEDICAL: "医疗救助",
    ProgramCode.EDUCATION: "教育救助",
}
# The national documents the clocks cite, by their file names under shared/policies/national/.
DOCUMENT_TITLES = {
    "dibao-shenhe-queren-banfa-2021": "《最低生活保障审核确认办法》",
    "tekun-renyuan-rending-banfa-2021": "《特困人员认定办法》",
    "doudi-baozhang-tongzhi-2022": "《关于进一步做好最低生活保障等社会救助兜底工作的通知》",
}
GRADES = {1: "一", 2: "二", 3: "三", 4: "四"}
TEKUN_PROGRAMS = frozenset({ProgramCode.TEKUN})


def _category_labels() -> dict[str, str]:
    from eligibility.rules.dibao import CATEGORY_LABELS
    from eligibility.rules.tekun import MODE_LABELS
    from eligibility.rules.temporary import PATH_LABELS

    return {**CATEGORY_LABELS, **MODE_LABELS, **PATH_LABELS, "premium": "资助参保", "inpatient": "住院救助"}


# --- who issues the notice -----------------------------------------------------------------------------------


def town_of(region: Region) -> Region:
    """The town (乡镇、街道) of a case's village (the selector fetched ``region__parent``)."""
    if region.level == RegionLevel.VILLAGE and region.parent is not None:
        return region.parent
    return region


def town_authority(town: Region) -> str:
    """The town's government as it signs: ``××镇人民政府``, or ``××街道办事处`` for a sub-district."""
    if town.name.endswith("办事处"):
        return town.name
    if town.name.endswith("街道"):
        return f"{town.name}办事处"
    return f"{town.name}人民政府"


def decided_by_town(app: Application) -> bool:
    """Whether the decision was the town's: confirmation delegated to the town (never for close relatives of
    staff, dibao-shenhe-queren-banfa-2021 第二十条), or 急难 aid paid within the town's own limit."""
    if app.program == ProgramCode.TEMP_EMERGENCY:
        return app.submitted_on is None
    return app.decided_by_town


def decision_authority(app: Application) -> str:
    """Who signs the decision: the county's civil-affairs bureau (第二条), or the town where it decided."""
    if decided_by_town(app):
        return town_authority(town_of(app.region))
    return f"{app.county.name}民政局"


def review_authority(app: Application) -> str:
    """Where an administrative review is brought: the county government — for the county civil-affairs
    bureau as the government of the same level, for a town (or sub-district) as the level above
    (《中华人民共和国行政复议法》（2023年修订）第二十四条)."""
    return f"{app.county.name}人民政府"


# --- what the notices share ------------------------------------------------------------------------------------


def applicant_of(app: Application) -> Member | None:
    """The person the notice is addressed to: the subject for 单人户/特困/专项, else the household's head."""
    return app.subject or app.household.head


def persons_covered(app: Application, household_size: int) -> int:
    return 1 if app.program in SUBJECT_PROGRAMS else household_size


def _back_url(app: Application) -> str:
    for build in (app.get_absolute_url, lambda: reverse("application-detail", args=[app.pk])):
        try:
            return build()
        except NoReverseMatch:
            continue
    return reverse("household-detail", args=[app.household_id])


def _case_context(app: Application, kind: str) -> dict:
    town = town_of(app.region)
    applicant = applicant_of(app)
    return {
        "app": app,
        "kind": kind,
        "doc_number": app.code,
        "applicant": applicant,
        "applicant_name": applicant.name if applicant else "申请人",
        "household": app.household,
        "program_title": PROGRAM_TITLES.get(app.program, app.get_program_display()),
        "is_tekun": app.program in TEKUN_PROGRAMS,
        "is_subject_program": app.program in SUBJECT_PROGRAMS,
        "town": town,
        "village": app.region,
        "county": app.county,
        "town_authority": town_authority(town),
        "basis_title": DOCUMENT_TITLES[
            "tekun-renyuan-rending-banfa-2021" if app.program in TEKUN_PROGRAMS else "dibao-shenhe-queren-banfa-2021"
        ],
        "back_url": _back_url(app),
        "printed_on": timezone.localdate(),
    }


def _clause_text(clause: str) -> str:
    """``dibao-shenhe-queren-banfa-2021 第十五条`` → ``《最低生活保障审核确认办法》第十五条``; a local document's
    clause becomes ``当地实施细则``."""
    slug, _, rest = clause.partition(" ")
    title = DOCUMENT_TITLES.get(slug)
    if title is None:
        return "当地实施细则"
    return f"{title}{rest}"


@dataclass(frozen=True)
class ClockLine:
    key: str
    label: str
    days: int
    due: dt.date
    provisional: bool
    basis: str


# --- the notices ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def notice_acceptance(request, pk):
    """受理通知书: what was accepted, and the time limits that run from the acceptance."""
    app = selectors.application_get_for(actor=request.user, pk=pk)
    notice_print_record(actor=request.user, application=app, kind=NoticeKind.ACCEPTANCE)
    clocks = [
        ClockLine(c.key, c.label, c.days, c.due, c.provisional, _clause_text(c.clause))
        for c in selectors.application_clocks_for(app)
        if c.start == app.accepted_on
    ]
    context = {
        **_case_context(app, NoticeKind.ACCEPTANCE),
        "clocks": clocks,
        "investigation_clock": next((c for c in clocks if c.key == "investigation_start"), None),
        "has_notice": app.program in {ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE, ProgramCode.TEKUN},
    }
    return render(request, "cases/notices/acceptance.html", context)


@login_required
@require_GET
def notice_materials(request, pk):
    """一次性告知书: every material still missing, asked for once (第十条)."""
    app = selectors.application_get_for(actor=request.user, pk=pk)
    notice_print_record(actor=request.user, application=app, kind=NoticeKind.MATERIALS)
    context = {**_case_context(app, NoticeKind.MATERIALS), "materials": list(app.missing_materials)}
    return render(request, "cases/notices/materials.html", context)


@dataclass(frozen=True)
class MemberLine:
    name: str
    relation: str
    sex: str
    age: int
    id_number_masked: str
    disability: str
    labour_ability: str


def _member_line(member: Member, on: dt.date) -> MemberLine:
    disability = ""
    if member.disability_type:
        disability = f"{member.get_disability_type_display()}{GRADES.get(member.disability_grade, '')}级"
    return MemberLine(
        name=member.name,
        relation=member.get_relation_display(),
        sex=member.get_sex_display(),
        age=member.age_on(on),
        id_number_masked=member.id_number_masked,
        disability=disability or "无",
        labour_ability=member.get_labour_ability_display() if member.labour_ability else "未评估",
    )


# What the investigators verify at the visit (dibao-shenhe-queren-banfa-2021 第七、十三、十四、十六条;
# tekun-renyuan-rending-banfa-2021 第四—八条).
VISIT_CHECKLIST = [
    ("居住情况", "住房类型、面积、产权及居住条件；实际居住地与户籍地是否一致（人户分离）"),
    ("共同生活人员", "实际共同生活的家庭成员；外出务工、在校就读、服刑、长期外出等情况"),
    ("收入情况", "工资性收入、经营净收入、财产净收入、转移净收入及其来源"),
    ("财产情况", "银行存款、证券、基金、商业保险、债权、互联网金融资产；房屋等不动产"),
    ("车辆情况", "机动车辆的品牌型号、购置时间和价格、用途（生产经营或代步）"),
    ("赡养（抚养、扶养）义务人", "义务人姓名、居住地、经济状况、实际履行义务情况"),
    ("实际生活状况", "吃、穿、住、用等日常生活；大件家电、大额消费、子女就读学校等"),
    ("健康、残疾和劳动能力", "患病、残疾（残疾人证）、劳动能力及就业情况"),
    ("刚性支出", "医疗（医保报销后自付）、教育、康复、护理等必需支出"),
]
SELFCARE_ITEM = ("生活自理能力", "自主吃饭、自主穿衣、自主上下床、自主如厕、室内自主行走、自主洗澡六项")


@login_required
@require_GET
def notice_visit_form(request, pk):
    """入户调查表: filled in at the visit and signed by the investigators (≥ 2) and the applicant (第十六条)."""
    app = selectors.application_get_for(actor=request.user, pk=pk)
    notice_print_record(actor=request.user, application=app, kind=NoticeKind.VISIT_FORM)
    today = timezone.localdate()
    members = [_member_line(m, today) for m in selectors.member_list_for(actor=request.user, household=app.household)]
    visits = list(app.visits.prefetch_related("visitors").order_by("visited_on", "id"))
    checklist = list(VISIT_CHECKLIST)
    if app.program in TEKUN_PROGRAMS:
        checklist.append(SELFCARE_ITEM)
    context = {
        **_case_context(app, NoticeKind.VISIT_FORM),
        "members": members,
        "visits": visits,
        "checklist": checklist,
        "blank_lines": range(6),
        "blank_rows": range(max(0, 4 - len(members))),
    }
    return render(request, "cases/notices/visit_form.html", context)


@dataclass(frozen=True)
class PublicLine:
    """One row of the public list: only what 第二十四条 allows to be published."""

    name: str
    persons: int
    program: str
    amount: Decimal | None
    notice_start: dt.date | None
    notice_end: dt.date | None


@login_required
@require_GET
def notice_public_list(request, village_pk):
    """公示名单 of one village: the cases under notice, showing the applicant's name, persons covered, program,
    proposed monthly amount and notice period — never ID numbers, addresses, incomes, illnesses or
    disabilities (dibao-shenhe-queren-banfa-2021 第二十四条; shehui-jiuzhu-zanxing-banfa-2014 第六十一条)."""
    village = selectors.region_get_for(actor=request.user, pk=village_pk, level=RegionLevel.VILLAGE)
    active_members = (
        Member.objects.filter(household=OuterRef("household_id"), is_active=True)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    apps = list(
        selectors.notice_list_for(actor=request.user, village=village).annotate(
            household_size=Coalesce(Subquery(active_members), 0)
        )
    )
    notice_public_list_print_record(actor=request.user, village=village, applications=apps)
    rows = []
    for app in apps:
        applicant = applicant_of(app)
        rows.append(
            PublicLine(
                name=applicant.name if applicant else "",
                persons=persons_covered(app, app.household_size),
                program=PROGRAM_TITLES.get(app.program, app.get_program_display()),
                amount=app.evaluation.amount if app.evaluation else None,
                notice_start=app.notice_start,
                notice_end=app.notice_end,
            )
        )
    periods = {(r.notice_start, r.notice_end) for r in rows}
    days = {(end - start).days + 1 for start, end in periods if start and end}
    town = village.parent
    context = {
        "village": village,
        "town": town,
        "town_authority": town_authority(town) if town else "",
        "county": town.parent if town else None,
        "rows": rows,
        "common_period": next(iter(periods)) if len(periods) == 1 else None,
        "notice_days": next(iter(days)) if len(days) == 1 else 7,  # 第十九条: 7 days
        "doc_number": f"GS{village.code}-{timezone.localdate():%Y%m%d}",
        "printed_on": timezone.localdate(),
        "back_url": reverse("dashboard"),
        "back_label": "返回工作台",
    }
    return render(request, "cases/notices/public_list.html", context)


@login_required
@require_GET
def notice_decision(request, pk):
    """审核确认决定书 for a confirmed case; 不予确认通知书 with the written reasons and the appeal rights for a
    refused one (第二十一条, 第三十八条)."""
    app = selectors.application_get_for(actor=request.user, pk=pk)
    notice_print_record(actor=request.user, application=app, kind=NoticeKind.DECISION)
    confirmed = app.status == ApplicationStatus.CONFIRMED
    enrolment = Enrolment.objects.filter(application=app).first() if confirmed else None
    evaluation = app.evaluation
    household_size = app.household.members.filter(is_active=True).count()
    category = (enrolment.category if enrolment else evaluation.category if evaluation else "") or ""
    recheck_months = evaluation.recheck_months if evaluation else None
    context = {
        **_case_context(app, NoticeKind.DECISION),
        "confirmed": confirmed,
        "monthly": app.program in ENROLMENT_PROGRAMS,
        "enrolment": enrolment,
        "amount": enrolment.monthly_amount if enrolment else app.approved_amount,
        "category_label": _category_labels().get(category, category),
        "recheck_months": recheck_months,
        "persons": persons_covered(app, household_size),
        "authority": decision_authority(app),
        "review_authority": review_authority(app),
        "decided_by_town": decided_by_town(app),
        "reason_lines": [line.strip() for line in app.decision_reasons.splitlines() if line.strip()],
    }
    return render(request, "cases/notices/decision.html", context)
