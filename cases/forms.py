"""Forms of the registry pages. They define and check fields; saving goes through ``cases.services``.

Model validation is left to the services (one source of truth): the forms skip ModelForm's
``_post_clean``, and :func:`apply_service_error` puts a refused write's field messages next to the
fields the user typed them in.
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q, QuerySet
from django.urls import reverse

from assistance.errors import ApplicationError
from assistance.models import RecognisedIllness, Region
from assistance.roles import LEVEL_DEPTH, RegionLevel
from assistance.scoping import scope_regions
from audit.services import mask_account, mask_id_number
from cases.choices import HouseholdStatus, MembershipEnd, Relation
from cases.models import Asset, Household, LegalSupporter, Member, MemberIncome, RigidExpense
from cases.selectors import residence_regions_for, towns_for, villages_for
from cases.services import ASSET_FIELDS, EXPENSE_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS, SUPPORTER_FIELDS

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]
GRADE_CHOICES = [("", "—"), (1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")]
ID_NUMBER_MAX_INPUT = 40  # 18 characters, plus the spaces or dashes people type in


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


def month_field(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=MonthInput(), input_formats=MONTH_FORMATS)


class RegionChoiceField(forms.ModelChoiceField):
    """A village select labelled with its town: ``长白镇 · 民主社区``."""

    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        label = f"{obj.name}（{obj.get_relation_display()}）"
        return label if obj.is_active else f"{label}【已迁出】"


class StyledForm:
    """Bootstrap classes on every widget, ``is-invalid`` on fields with errors, and a sectioned layout.

    ``sections`` is ``[(title, [field names])]``; fields not named go in a last untitled section.
    ``wide`` names fields that take a whole row (text areas, addresses).
    """

    sections: list[tuple[str, list[str]]] = []
    wide: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Django's "---------" blank choice: say what it means instead.
            blank = "请选择" if field.required else "未填写"
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label == "---------":
                    field.empty_label = blank
            elif isinstance(field, forms.ChoiceField):
                field.choices = [(v, blank if (v, label) == ("", "---------") else label) for v, label in field.choices]

    def _style(self) -> None:
        for bound in self:
            widget = bound.field.widget
            css = {
                "checkbox": "form-check-input",
                "select": "form-select form-select-sm",
                "nullbooleanselect": "form-select form-select-sm",
            }.get(bound.widget_type, "form-control form-control-sm")
            widget.attrs["class"] = " ".join(filter(None, [css, getattr(bound.field, "extra_css", "")]))
            if bound.name in self.errors:
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-invalid"] = "true"

    def add_error(self, field, error):
        super().add_error(field, error)
        self._style()

    def layout(self) -> list[tuple[str, list[tuple[forms.BoundField, str]]]]:
        """Return ``[(title, [(bound field, column class)])]`` for the template."""
        self._style()
        placed: set[str] = set()
        result = []
        for title, names in self.sections:
            fields = [n for n in names if n in self.fields]
            placed.update(fields)
            if fields:
                result.append((title, [(self[n], self._column(n)) for n in fields if not self[n].is_hidden]))
        rest = [n for n in self.fields if n not in placed and not self[n].is_hidden]
        if rest:
            result.append(("", [(self[n], self._column(n)) for n in rest]))
        return result

    def _column(self, name: str) -> str:
        if name in self.wide:
            return "col-12"
        return "col-sm-6 col-lg-3"


class ServiceModelForm(StyledForm, forms.ModelForm):
    """A ModelForm used for its fields and labels only: the model is validated and saved by a service."""

    def _post_clean(self):
        """Skip ModelForm's model validation; the service validates (fields, constraints, cross checks)."""

    def service_data(self) -> dict:
        """The cleaned values of the model fields, as keyword arguments for a service."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


def apply_service_error(forms_: list[forms.BaseForm], error: ApplicationError) -> None:
    """Put ``error.fields`` next to the fields of the form that has them; others become non-field errors.

    The first form takes the errors no form has a field for (``__all__``, ``members`` …).
    """
    for name, messages in error.fields.items():
        target = next((f for f in forms_ if name in f.fields and not f[name].is_hidden), None)
        for message in messages:
            if target is not None:
                target.add_error(name, message)
            else:
                forms_[0].add_error(None, message)
    if not error.fields:
        forms_[0].add_error(None, error.message)


def _id_number_field(field: forms.Field, *, optional_hint: str = "") -> None:
    """Validate on change through htmx: the endpoint answers with the Chinese error or the derived facts."""
    field.max_length = ID_NUMBER_MAX_INPUT
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(ID_NUMBER_MAX_INPUT))
    field.widget.attrs.update(
        {
            "maxlength": str(ID_NUMBER_MAX_INPUT),
            "autocomplete": "off",
            "hx-post": reverse("id-number-check"),
            "hx-trigger": "change",
            "hx-target": "next .id-check",
            "hx-sync": "this:replace",
            # the server's message from the last submit no longer applies once the number is changed
            "hx-on:htmx:before-request": "this.classList.remove('is-invalid')",
        }
    )
    field.extra_css = "id-number"
    field.id_check = True
    if optional_hint:
        field.help_text = optional_hint


def _village_queryset(user) -> QuerySet[Region]:
    return villages_for(user).select_related("parent")


def illnesses_for(user, household: Household | None = None) -> QuerySet[RecognisedIllness]:
    """The recognised serious illnesses a member may be given: the household's county's list, or for a new
    household the lists of the counties in the user's jurisdiction."""
    qs = RecognisedIllness.objects.filter(is_active=True)
    if household is not None:
        county_codes = [household.hukou_region.path.strip("/").split("/")[LEVEL_DEPTH[RegionLevel.COUNTY] - 1]]
        return qs.filter(county__code__in=county_codes).order_by("name")
    if user.is_superuser:
        return qs.order_by("county__path", "name")
    q = Q(pk__in=[])
    county_depth = LEVEL_DEPTH[RegionLevel.COUNTY]
    for region in scope_regions(user):
        codes = region.ancestor_codes()
        if len(codes) >= county_depth:
            q |= Q(county__code=codes[county_depth - 1])
        else:
            q |= Q(county__path__startswith=region.path)
    return qs.filter(q).order_by("county__path", "name")


# --- households --------------------------------------------------------------------------------------


class HouseholdForm(ServiceModelForm):
    """The household's own facts. ``version`` is the version the edit form was loaded with."""

    sections = [
        ("户籍与居住", ["hukou_region", "area_type", "residence_region", "residence_address", "phone"]),
        ("救助金发放账户", ["bank_name", "bank_account_holder", "bank_account_number", "clear_bank_account"]),
        ("备注", ["notes"]),
    ]
    wide = ("notes",)

    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        field_classes = {"hukou_region": RegionChoiceField, "residence_region": RegionChoiceField}
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hukou_region"].queryset = _village_queryset(user)
        # 人户分离: the family may live anywhere in the county, not only in the user's own towns.
        self.fields["residence_region"].queryset = (
            residence_regions_for(user).filter(level=RegionLevel.VILLAGE).select_related("parent")
        )
        self.fields["notes"].max_length = 2000
        self.fields["notes"].widget.attrs["maxlength"] = "2000"
        if editing:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=self.instance.version)
            if self.instance.bank_account_number:
                # The full account is not put in the page; left empty it stays as it is.
                self.initial["bank_account_number"] = ""
                self.fields[
                    "bank_account_number"
                ].help_text = f"已登记：{mask_account(self.instance.bank_account_number)}；留空则不修改"
                self.fields["clear_bank_account"] = forms.BooleanField(label="删除已登记的银行账号", required=False)

    def service_data(self) -> dict:
        data = super().service_data()
        if self.instance.pk is not None and not data.get("bank_account_number"):
            if self.cleaned_data.get("clear_bank_account"):
                data["bank_account_number"] = ""
            else:
                data.pop("bank_account_number", None)
        return data


class MemberForm(ServiceModelForm):
    """A member's facts. Editing: the ID number is not shown; left empty it stays as it is."""

    sections = [
        ("基本信息", ["name", "id_number", "relation"]),
        ("残疾、疾病与劳动能力", ["disability_type", "disability_grade", "serious_illness", "labour_ability"]),
        ("生活自理能力（六项）", [*Member.SELFCARE_FIELDS, "selfcare_assessed_on"]),
        ("教育与就业", ["education_stage", "in_school", "employment"]),
        ("特殊情形", ["deceased_on", "imprisoned_from", "imprisoned_until", "missing_since"]),
    ]

    disability_grade = forms.TypedChoiceField(
        label="残疾等级", choices=GRADE_CHOICES, coerce=int, empty_value=None, required=False
    )

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        widgets = {
            name: DateInput()
            for name in ("selfcare_assessed_on", "deceased_on", "imprisoned_from", "imprisoned_until", "missing_since")
        }

    def __init__(self, *args, user, household: Household | None = None, head: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        self.fields["serious_illness"].queryset = illnesses_for(user, household)
        self.fields["serious_illness"].empty_label = "无"
        if head:
            # The head of a new household: the relation is fixed.
            del self.fields["relation"]
        elif not editing:
            has_head = household is not None and household.head_id is not None
            if has_head:
                self.fields["relation"].choices = [c for c in Relation.choices if c[0] != Relation.HEAD]
        if editing:
            self.initial["id_number"] = ""  # never put the full number in the page
            self.fields["id_number"].required = False
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=self.instance.version)
            hint = f"当前：{mask_id_number(self.instance.id_number)}；留空则不修改"
        else:
            hint = "18位，出生日期和性别由号码自动确定"
        _id_number_field(self.fields["id_number"], optional_hint=hint)

    def service_data(self) -> dict:
        data = super().service_data()
        if self.instance.pk is not None and not data.get("id_number"):
            data.pop("id_number", None)
        return data


class MemberRemoveForm(StyledForm, forms.Form):
    left_on = forms.DateField(label="迁出日期", widget=DateInput())
    reason = forms.ChoiceField(label="迁出原因", choices=[("", "请选择"), *MembershipEnd.choices])


class ChangeHeadForm(StyledForm, forms.Form):
    new_head = MemberChoiceField(label="新户主", queryset=Member.objects.none(), empty_label="请选择")
    former_head_relation = forms.ChoiceField(
        label="原户主与新户主的关系",
        choices=[("", "请选择"), *[c for c in Relation.choices if c[0] != Relation.HEAD]],
        help_text="原户主仍在本户时，其关系改为所选项",
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_head"].queryset = household.members.filter(is_active=True).exclude(relation=Relation.HEAD)


# --- incomes, property, expenses, supporters ----------------------------------------------------------


def _members_of(household: Household, *, active_only: bool) -> QuerySet[Member]:
    qs = household.members.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("-is_active", "id")


class IncomeForm(ServiceModelForm):
    """One kind of income of one member in one month. Editing changes the amount, source and note only."""

    month = month_field("所属月份")

    class Meta:
        model = MemberIncome
        fields = ("member", "month", "kind", "amount", "source", "note")
        field_classes = {"member": MemberChoiceField}

    wide = ("note",)

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("member", "month", "kind"):
                del self.fields[name]
        else:
            self.fields["member"].queryset = _members_of(household, active_only=True)
        self.fields["amount"].widget.attrs.update({"step": "0.01", "min": "0"})


class AssetForm(ServiceModelForm):
    sections = [
        ("财产", ["kind", "owner", "value", "valued_on", "description", "source"]),
        ("机动车辆", ["vehicle_plate", "vehicle_purchase_price"]),
        ("房产", ["floor_area", "is_only_home"]),
        ("豁免（维持家庭生产生活的必需财产）", ["is_exempt", "exempt_reason"]),
    ]
    wide = ("description", "exempt_reason")

    class Meta:
        model = Asset
        fields = ASSET_FIELDS
        field_classes = {"owner": MemberChoiceField}
        widgets = {"valued_on": DateInput()}

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members_of(household, active_only=False)
        self.fields["owner"].empty_label = "家庭共有"


class ExpenseForm(ServiceModelForm):
    period_start = month_field("起始月份")
    period_end = month_field("截止月份")
    wide = ("description",)

    class Meta:
        model = RigidExpense
        fields = EXPENSE_FIELDS
        field_classes = {"member": MemberChoiceField}

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = _members_of(household, active_only=False)
        self.fields["member"].empty_label = "全户"


class SupporterForm(ServiceModelForm):
    """A legal supporter outside the household. Editing: the ID number left empty stays as it is."""

    sections = [
        ("义务人", ["supported_member", "relation", "name", "id_number", "address", "annual_income"]),
        ("残疾", ["disability_type", "disability_grade"]),
        (
            "赡养（扶养、抚养）能力",
            ["is_tekun", "is_dibao", "in_prison", "is_missing", "lacks_legal_capacity", "notes"],
        ),
    ]
    wide = ("address", "notes")
    disability_grade = forms.TypedChoiceField(
        label="残疾等级", choices=GRADE_CHOICES, coerce=int, empty_value=None, required=False
    )

    class Meta:
        model = LegalSupporter
        fields = SUPPORTER_FIELDS
        field_classes = {"supported_member": MemberChoiceField}

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supported_member"].queryset = _members_of(household, active_only=self.instance.pk is None)
        if self.instance.pk is not None:
            self.initial["id_number"] = ""
            self.fields["id_number"].required = False
            hint = f"当前：{mask_id_number(self.instance.id_number)}；留空则不修改"
        else:
            hint = ""
        _id_number_field(self.fields["id_number"], optional_hint=hint)
        self.fields["annual_income"].widget.attrs.update({"step": "0.01", "min": "0"})

    def service_data(self) -> dict:
        data = super().service_data()
        if self.instance.pk is not None and not data.get("id_number"):
            data.pop("id_number", None)
        return data


# --- the list's filters ------------------------------------------------------------------------------


class HouseholdFilterForm(StyledForm, forms.Form):
    """Search and filters of the household list. Invalid values are ignored (and marked), never a 500."""

    q = forms.CharField(label="查询", max_length=50, required=False)
    town = forms.ModelChoiceField(
        label="乡镇（街道）", queryset=Region.objects.none(), required=False, empty_label="全部"
    )
    village = RegionChoiceField(label="村（社区）", queryset=Region.objects.none(), required=False, empty_label="全部")
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *HouseholdStatus.choices], required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["town"].queryset = towns_for(user)
        self.fields["village"].queryset = villages_for(user).select_related("parent")
        self.fields["q"].widget.attrs["placeholder"] = "姓名、身份证号（全部或前几位）或家庭编号"
        self.fields["town"].widget.attrs.update(
            {"hx-get": reverse("region-village-options"), "hx-target": "#id_village", "hx-trigger": "change"}
        )
        self._style()

    def full_clean(self):
        """Validate, then offer in the village select only the villages of the chosen town."""
        super().full_clean()
        town = self.cleaned_data.get("town") if self.is_bound else None
        if town is not None:
            self.fields["village"].queryset = villages_for(self.user, town).select_related("parent")
        self._style()
