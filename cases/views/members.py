"""Member pages: add a member, edit one, record that one has left the household."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from assistance.errors import ApplicationError
from cases import selectors, services
from cases.forms import MemberForm, MemberRemoveForm
from cases.models import Household, Member
from cases.views._common import _detail_url, _form_page, _household_for_edit, _posted, _service_error_status


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk):
    household = _household_for_edit(request, pk)
    data = _posted(request)
    form = MemberForm(data, user=request.user, household=household)
    status = 200
    if data is not None:
        if form.is_valid():
            fields = form.service_data()
            try:
                member = services.member_add(
                    actor=request.user,
                    household=household,
                    name=fields.pop("name"),
                    id_number=fields.pop("id_number"),
                    relation=fields.pop("relation"),
                    **fields,
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"已添加成员 {member.name}")
                return redirect(_detail_url(household.pk, "members"))
        else:
            status = 400
    return _form_page(request, title="添加家庭成员", forms_=[form], household=household, status=status)


def _member_for_edit(request, pk) -> tuple[Member, Household]:
    member = selectors.member_get_for(actor=request.user, pk=pk)
    household = _household_for_edit(request, member.household_id)
    if not member.is_active:
        raise ApplicationError("该成员已迁出，不能修改", code="member_inactive", status=409)
    return member, household


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    member, household = _member_for_edit(request, pk)
    data = _posted(request)
    form = MemberForm(data, instance=member, user=request.user, household=household)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.member_update(
                    actor=request.user,
                    member=member,
                    expected_version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"成员 {member.name} 的信息已保存")
                return redirect(_detail_url(household.pk, "members"))
        else:
            status = 400
    return _form_page(request, title=f"修改成员信息：{member.name}", forms_=[form], household=household, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, pk):
    member, household = _member_for_edit(request, pk)
    data = _posted(request)
    form = MemberRemoveForm(data)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.member_remove(
                    actor=request.user,
                    member=member,
                    left_on=form.cleaned_data["left_on"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"成员 {member.name} 已迁出")
                return redirect(_detail_url(household.pk, "members"))
        else:
            status = 400
    intro = "成员迁出后记录仍保留在家庭档案中。户主须在其他成员都迁出后才能迁出，否则请先变更户主。"
    return _form_page(
        request,
        title=f"成员迁出：{member.name}",
        forms_=[form],
        household=household,
        status=status,
        intro=intro,
        submit_label="确认迁出",
        danger=True,
    )
