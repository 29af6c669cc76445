"""Forms of the what-if calculator (试算) pages. They check shape and types; the request they describe is
built with ``eligibility.rules.serialization.request_from_dict`` (the API's format), so the page and the API
refuse the same things with the same messages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from cases.choices import AreaType, DisabilityType, EducationStage, IncomeKind, LabourAbility, Relation, SelfCareLevel
from cases.forms import GRADE_CHOICES, MONTH_FORMATS, DateInput, MonthInput, StyledForm
from eligibility.calculator import INCOME_RISE_CAUSES, PROGRAM_LABELS
from eligibility.rules.serialization import EXTRA_SPECS

EMERGENCY_CAUSES = {
    "accident": "意外事件",
    "illness": "突发重病",
    "disaster": "自然灾害",
    "pending_application": "正在申请低保/特困（过渡救助）",
    "other": "其他",
}
# The form fields that become ``request.extra`` (named as in ``EXTRA_SPECS``).
EXTRA_FIELDS = ("cause", "expense", "inpatient_cost", "insurance_paid", "paid_this_year", "in_county", "stage")

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}
MAX_MEMBERS = 20


def _blank(choices) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


def _money(label: str, **kwargs: Any) -> forms.DecimalField:
    field = forms.DecimalField(label=label, required=False, **MONEY, **kwargs)
    field.widget.attrs.update({"inputmode": "decimal", "step": "0.01", "min": "0"})
    return field


def _month(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=MonthInput(), input_formats=MONTH_FORMATS)


class CalculatorForm(StyledForm, forms.Form):
    """The household-level inputs: where, what, when; area type, financial assets, the 单人户/特困 subject,
    and what 渐退 needs (the 低保 received now and why income rose)."""

    jurisdiction = forms.ChoiceField(label="县（市、区）", help_text="按该县（市、区）的政策参数测算")
    program = forms.ChoiceField(label="救助项目", choices=list(PROGRAM_LABELS.items()))
    month = _month("测算月份")
    area_type = forms.ChoiceField(label="城乡类别", choices=AreaType.choices)
    financial_assets = _money("金融资产合计（元）", help_text="存款、证券、商业保险、债权、互联网金融等（不含豁免）")
    subject = forms.CharField(
        label="单人户/特困对象",
        required=False,
        max_length=20,
        help_text="填写下方成员的“称呼”；单人户、特困试算必填",
    )
    centralised_support = forms.BooleanField(label="集中供养（特困）", required=False)
    current_amount = _money("现享低保金额（元/月）", help_text="已在保的家庭测算渐退时填写")
    current_since = _month("在保起始月份", required=False)
    income_rise_cause = forms.ChoiceField(
        label="收入增加原因", required=False, choices=_blank(list(INCOME_RISE_CAUSES.items()))
    )

    # Inputs of the other programs (``serialization.EXTRA_SPECS``); only those of the chosen program are sent.
    cause = forms.ChoiceField(label="急难原因", required=False, choices=_blank(list(EMERGENCY_CAUSES.items())))
    expense = _money("支出金额（元）", help_text="急难型：急需救助的金额；支出型：医疗、教育等必需支出（扣除报销后）")
    inpatient_cost = _money("住院总费用（元）", help_text="医疗救助：住院救助时填写")
    insurance_paid = _money("基本医保和大病保险已报销（元）")
    paid_this_year = _money("本年度已获医疗救助（元）")
    in_county = forms.BooleanField(label="在县域内定点医院住院", required=False)
    stage = forms.ChoiceField(
        label="就读阶段（教育救助）",
        required=False,
        choices=_blank([c for c in EducationStage.choices if c[0] != EducationStage.NONE]),
    )

    sections = [
        ("测算条件", ["jurisdiction", "program", "month", "area_type"]),
        ("家庭情况", ["financial_assets", "subject", "centralised_support"]),
        ("渐退（已在保家庭）", ["current_amount", "current_since", "income_rise_cause"]),
        ("临时救助、医疗救助、教育救助", [*EXTRA_FIELDS]),
    ]

    def __init__(self, *args: Any, jurisdictions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = jurisdictions
        if len(jurisdictions) == 1:
            self.fields["jurisdiction"].initial = jurisdictions[0][0]

    def clean(self):
        data = super().clean()
        if data.get("current_amount") and not data.get("current_since"):
            self.add_error("current_since", "填写现享低保金额时，请填写在保起始月份")
        if data.get("program") in ("dibao_single", "tekun") and not data.get("subject"):
            self.add_error("subject", "单人户、特困试算请填写对象（成员称呼）")
        return data


INCOME_FIELDS = [(f"income_{kind}", kind, label) for kind, label in IncomeKind.choices]


class MemberRowForm(StyledForm, forms.Form):
    """One member of the household described: who they are and their average monthly incomes by kind."""

    ref = forms.CharField(label="称呼", max_length=20, help_text="如：户主、配偶、成员1；用于指明对象")
    birth_date = forms.DateField(label="出生日期", widget=DateInput())
    relation = forms.ChoiceField(label="与户主关系", required=False, choices=_blank(Relation.choices))
    disability_type = forms.ChoiceField(label="残疾类别", required=False, choices=_blank(DisabilityType.choices))
    disability_grade = forms.TypedChoiceField(
        label="残疾等级", required=False, choices=GRADE_CHOICES, coerce=int, empty_value=None
    )
    serious_illness = forms.BooleanField(label="患重病（县认定目录内）", required=False)
    labour_ability = forms.ChoiceField(
        label="劳动能力", required=False, choices=[("", "未评估（按年龄、残疾推定）"), *LabourAbility.choices]
    )
    selfcare_level = forms.ChoiceField(
        label="生活自理能力", required=False, choices=[("", "未评估"), *SelfCareLevel.choices]
    )
    # Blank means "none", so that a row the page removed (its keys absent) is an unchanged, skipped form.
    education_stage = forms.ChoiceField(
        label="教育阶段",
        required=False,
        choices=[("", EducationStage.NONE.label), *[c for c in EducationStage.choices if c[0] != EducationStage.NONE]],
    )
    in_school = forms.BooleanField(label="在校就读", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, _kind, label in INCOME_FIELDS:
            self.fields[name] = _money(label)

    def clean(self):
        data = super().clean()
        if bool(data.get("disability_type")) != (data.get("disability_grade") is not None):
            self.add_error("disability_grade", "残疾类别和残疾等级须同时填写")
        if data.get("in_school") and not data.get("education_stage"):
            self.add_error("education_stage", "在校就读须填写教育阶段")
        return data

    def person_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if not n.startswith("income_")]

    def income_fields(self) -> list[forms.BoundField]:
        return [self[n] for n, _kind, _label in INCOME_FIELDS]

    @property
    def incomes_open(self) -> bool:
        """Show the incomes unfolded when some were typed or one is wrong."""
        if not self.is_bound:
            return False
        return any(self[n].data not in (None, "") or n in self.errors for n, _kind, _label in INCOME_FIELDS)

    def styled(self) -> MemberRowForm:
        self._style()
        return self

    def as_member(self) -> dict[str, Any]:
        """The member in ``request_from_dict``'s format (money as strings, dates ISO)."""
        data = self.cleaned_data
        member: dict[str, Any] = {"ref": data["ref"].strip(), "birth_date": data["birth_date"].isoformat()}
        for name in ("relation", "disability_type", "labour_ability", "selfcare_level"):
            if data.get(name):
                member[name] = data[name]
        if data.get("disability_grade") is not None:
            member["disability_grade"] = data["disability_grade"]
        if data.get("serious_illness"):
            member["serious_illness"] = True
        member["education_stage"] = data.get("education_stage") or EducationStage.NONE
        if data.get("in_school"):
            member["in_school"] = True
        incomes = {kind: str(data[name]) for name, kind, _label in INCOME_FIELDS if data.get(name)}
        if incomes:
            member["incomes"] = incomes
        return member


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        refs = [form.cleaned_data["ref"].strip() for form in self.forms if form.cleaned_data]
        duplicates = sorted({r for r in refs if refs.count(r) > 1})
        if duplicates:
            raise forms.ValidationError(f"成员称呼不能重复：{'、'.join(duplicates)}")


MemberFormSet = forms.formset_factory(
    MemberRowForm,
    formset=BaseMemberFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_MEMBERS,
    validate_max=True,
)


def calculator_request(form: CalculatorForm, members: BaseMemberFormSet) -> dict[str, Any]:
    """The request the two valid forms describe, in ``request_from_dict``'s format."""
    data = form.cleaned_data
    household: dict[str, Any] = {
        "area_type": data["area_type"],
        "financial_assets": str(data.get("financial_assets") or Decimal("0")),
        "members": [m.as_member() for m in members.forms if m.cleaned_data],
    }
    if data.get("centralised_support"):
        household["centralised_support"] = True
    if data.get("income_rise_cause"):
        household["income_rise_cause"] = data["income_rise_cause"]
    if data.get("current_amount"):
        household["current"] = [
            {
                "program": "dibao",
                "monthly_amount": str(data["current_amount"]),
                "since": data["current_since"].strftime("%Y-%m"),
            }
        ]
    request: dict[str, Any] = {
        "program": data["program"],
        "month": data["month"].strftime("%Y-%m"),
        "household": household,
    }
    if data.get("subject"):
        request["subject"] = data["subject"].strip()
    spec = EXTRA_SPECS.get(data["program"], {})
    extra = {}
    for name in EXTRA_FIELDS:
        value = data.get(name)
        if name in spec and value not in (None, "", False):
            extra[name] = str(value) if isinstance(value, Decimal) else value
    if extra:
        request["extra"] = extra
    return request


class HouseholdEvaluateForm(StyledForm, forms.Form):
    """试算 for a registered household: the program, the month and (for 单人户/特困) the member."""

    program = forms.ChoiceField(label="救助项目", choices=list(PROGRAM_LABELS.items()))
    month = _month("测算月份")
    subject = forms.TypedChoiceField(label="单人户/特困对象", required=False, coerce=int, empty_value=None)

    sections = [("", ["program", "month", "subject"])]

    def __init__(self, *args: Any, members: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "—（按户测算）")] + [
            (m.pk, f"{m.name}（{m.get_relation_display()}）") for m in members
        ]

    def clean(self):
        data = super().clean()
        if data.get("program") in ("dibao_single", "tekun") and not data.get("subject"):
            self.add_error("subject", "单人户、特困试算请选择对象")
        return data
