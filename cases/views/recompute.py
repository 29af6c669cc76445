"""The page that starts a 提标 recomputation (``cases.services.recompute``): pick the county and the month the new
standard applies from, see the standards before and after and how many enrolments are concerned, start the job,
and follow its progress bar on the job's page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from assistance.admin import administered_regions
from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region
from assistance.roles import RegionLevel
from cases.choices import EnrolmentStatus
from cases.models import Enrolment
from cases.services.recompute import PROGRAMS, recompute_month_default, standard_recompute_start
from eligibility.rules.parameters import add_months
from eligibility.rules.serialization import parse_month as parse_request_month

STANDARD_KEYS = (("dibao.standard.urban", "城市低保标准"), ("dibao.standard.rural", "农村低保标准"))


def administered_counties(user) -> list[Region]:
    """The counties whose standards ``user`` administers (all of them for a superuser). One query."""
    return list(administered_regions(user).filter(level=RegionLevel.COUNTY).order_by("path"))


def parse_month(value: str) -> dt.date:
    """``YYYY-MM`` → the first day of that month (the engine's own parser); ``ApplicationError`` (400) in Chinese
    otherwise."""
    try:
        return parse_request_month((value or "").strip(), "month")
    except ValueError:
        raise ApplicationError(
            "月份格式应为“年-月”，例如 2027-01", code="invalid", fields={"month": ["格式应为 YYYY-MM"]}
        ) from None


class RecomputeForm(forms.Form):
    county = forms.ModelChoiceField(label="县（市、区）", queryset=Region.objects.none(), empty_label=None)
    month = forms.CharField(
        label="新标准生效月份",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2027-01"}),
        help_text="自该月起按新标准发放；只能是本月或以后的月份。",
    )
    retroactive = forms.BooleanField(
        label="追溯生效（已发放月份的差额通过补发花名册发放）",
        required=False,
        help_text="新标准自已发放的月份起生效时勾选（最多追溯12个月）；重算后请在“资金发放 › 补发”生成补发花名册。",
    )

    def __init__(self, *args, counties: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Region.objects.filter(pk__in=[c.pk for c in counties]).order_by("path")

    def clean_month(self) -> dt.date:
        try:
            return parse_month(self.cleaned_data["month"])
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from None


def _standards(county: Region, month: dt.date) -> list[dict]:
    """The 低保 standards of ``county`` for the month before ``month`` and for ``month``."""
    from eligibility.rules.parameters import MissingParameter
    from eligibility.selectors import parameter_set_for

    try:
        params = parameter_set_for(county=county, month=month)
    except ApplicationError:
        return []
    rows = []
    for key, label in STANDARD_KEYS:
        try:
            before = params.at(key, add_months(month, -1)).value
            after = params.at(key, month).value
        except MissingParameter:
            continue
        rows.append({"label": label, "before": before, "after": after, "changed": before != after})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def standard_recompute(request):
    """提标重算: the form (GET) and starting the job (POST → the job's page)."""
    counties = administered_counties(request.user)
    if not counties:
        raise PermissionRefused("只有县（市、区）管理员可以发起提标重算")
    default_month = recompute_month_default(timezone.localdate())
    data = request.POST if request.method == "POST" else None
    form = RecomputeForm(data, counties=counties, initial={"county": counties[0].pk, "month": f"{default_month:%Y-%m}"})
    status, error_message = 200, ""
    if data is not None:
        if form.is_valid():
            try:
                job, _ = standard_recompute_start(
                    actor=request.user,
                    county=form.cleaned_data["county"],
                    month=form.cleaned_data["month"],
                    retroactive=form.cleaned_data["retroactive"],
                )
            except PermissionRefused:
                raise
            except ApplicationError as error:
                status, error_message = error.status, error.message
                for field, texts in (error.fields or {}).items():
                    for text in texts:
                        form.add_error(field if field in form.fields else None, text)
            else:
                return redirect(reverse("job-detail", args=[job.pk]))
        else:
            status, error_message = 400, "提交的信息有误，请按提示修改。"
    month = form.cleaned_data.get("month") if form.is_bound and hasattr(form, "cleaned_data") else None
    month = month if isinstance(month, dt.date) else default_month
    live = Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE, program__in=PROGRAMS)
    overview = [
        {
            "county": county,
            "standards": _standards(county, month),
            "enrolments": live.filter(region__path__startswith=county.path).count(),
        }
        for county in counties
    ]
    context = {"form": form, "error_message": error_message, "overview": overview, "month": month}
    return render(request, "jobs/recompute.html", context, status=status)
