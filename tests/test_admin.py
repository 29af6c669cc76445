"""The admin console: county administrators manage only their county's regions and staff, every save
goes through the services (audited), refusals come back as Chinese form errors, and nothing is deleted."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from assistance.models import Program, RecognisedIllness, Region, RoleAssignment, Staff
from assistance.roles import Role
from assistance.services import illness_save, role_assign, staff_create, staff_make_superuser, system_actor
from audit.models import AuditEvent
from tests.factories import PASSWORD, make_household

# --- helpers ----------------------------------------------------------------------------------------


def _url(model: str, action: str, *args) -> str:
    return reverse(f"admin:{model}_{action}", args=args)


def _post_data(response) -> dict:
    """Return the POST data a browser would send for the change form in ``response``, unchanged."""
    data: dict = {}

    def put(form):
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                data[key] = ""
            elif value is True:
                data[key] = "on"
            elif value is False:
                continue
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        put(formset.management_form)
        for form in formset.forms:
            put(form)
    return data


def _inline_rows(data: dict) -> int:
    return int(data["assignments-TOTAL_FORMS"])


@pytest.fixture
def root(world):
    return staff_make_superuser(
        actor=system_actor(),
        staff=staff_create(actor=system_actor(), username="root", display_name="系统管理员", password=PASSWORD),
    )


@pytest.fixture
def admin_a_client(client, world):
    client.force_login(world.admin_a)
    return client


def _errors(response) -> str:
    """All error messages on an admin form page (main form and inlines), joined."""
    messages = []
    form = response.context["adminform"].form
    messages += [str(m) for errors in form.errors.values() for m in errors]
    for inline in response.context.get("inline_admin_formsets", []):
        for f in inline.formset.forms:
            messages += [str(m) for errors in f.errors.values() for m in errors]
    return "\n".join(messages)


# --- logging in and the index -------------------------------------------------------------------------


def test_county_admin_gets_the_console_in_chinese(admin_a_client, world):
    response = admin_a_client.get(reverse("admin:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "社会救助经办管理系统 · 管理后台" in content
    for label in ("行政区划", "工作人员", "救助项目", "重病病种", "审计事件", "政策参数档案", "政策参数版本"):
        assert label in content
    assert "用户组" not in content  # Django's own permissions are not used


@pytest.mark.parametrize("who", ["caseworker_a1", "reviewer_a", "auditor_a", "assistant_a1"])
def test_other_roles_are_sent_to_the_login_page(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert client.get(_url("assistance_staff", "changelist")).status_code == 302


# --- regions ------------------------------------------------------------------------------------------


def test_region_list_is_the_county_subtree(admin_a_client, world):
    response = admin_a_client.get(_url("assistance_region", "changelist"))
    assert response.status_code == 200
    shown = {r.code for r in response.context["cl"].result_list}
    assert shown == {r.code for r in Region.objects.filter(path__startswith=world.county_a.path)}
    assert world.town_b1.code not in shown and world.city.code not in shown


def test_region_of_another_county_is_not_found(admin_a_client, world):
    url = _url("assistance_region", "change", world.town_b1.pk)
    response = admin_a_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    response = admin_a_client.post(url, {"name": "改名", "is_urban": ""})
    assert response.status_code == 302
    assert Region.objects.get(pk=world.town_b1.pk).name == "抚松镇"


def test_county_admin_adds_a_village(admin_a_client, world):
    data = {"code": "220623101202", "name": "新建村", "level": "village", "parent": world.town_a2.pk}

    response = admin_a_client.post(_url("assistance_region", "add"), data)

    assert response.status_code == 302, _errors(response)
    region = Region.objects.get(code="220623101202")
    assert region.path == f"{world.town_a2.path}220623101202/"
    event = AuditEvent.objects.filter(action="region.create").latest("id")
    assert (event.actor_id, event.target_id) == (world.admin_a.pk, str(region.pk))


def test_parent_choices_limited_to_the_county(admin_a_client, world):
    response = admin_a_client.get(_url("assistance_region", "add"))
    parent_choices = set(response.context["adminform"].form.fields["parent"].queryset)
    assert parent_choices == {world.county_a, world.town_a1, world.town_a2}

    data = {"code": "220621100202", "name": "越界村", "level": "village", "parent": world.town_b1.pk}
    response = admin_a_client.post(_url("assistance_region", "add"), data)
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not Region.objects.filter(code="220621100202").exists()


def test_service_refusal_becomes_a_form_error(admin_a_client, world):
    data = {"code": "220623102", "name": "错层镇", "level": "town", "parent": world.town_a1.pk}

    response = admin_a_client.post(_url("assistance_region", "add"), data)

    assert response.status_code == 200
    assert "乡镇（街道）不能设在乡镇（街道）之下" in _errors(response)
    assert "层级应低于上级区划" in _errors(response)
    assert response.context["adminform"].form["name"].value() == "错层镇"  # the input is kept
    assert not Region.objects.filter(code="220623102").exists()
    assert not AuditEvent.objects.filter(action="region.create", actor=world.admin_a).exists()


def test_county_admin_renames_a_village(admin_a_client, world):
    url = _url("assistance_region", "change", world.village_a2.pk)
    data = _post_data(admin_a_client.get(url))
    data["name"] = "八道沟新村"

    response = admin_a_client.post(url, data)

    assert response.status_code == 302, _errors(response)
    assert Region.objects.get(pk=world.village_a2.pk).name == "八道沟新村"
    event = AuditEvent.objects.filter(action="region.update").latest("id")
    assert event.changes == {"name": {"before": "八道沟村", "after": "八道沟新村"}}
    assert event.actor_id == world.admin_a.pk


def test_nothing_is_deleted(admin_a_client, world, root, client):
    assert admin_a_client.get(_url("assistance_region", "delete", world.village_a2.pk)).status_code == 403
    response = admin_a_client.get(_url("assistance_region", "changelist"))
    assert "delete_selected" not in response.content.decode()
    client.force_login(root)
    assert client.get(_url("assistance_staff", "delete", world.caseworker_a1.pk)).status_code == 403
    assert client.post(_url("assistance_region", "delete", world.village_a2.pk), {"post": "yes"}).status_code == 403
    assert Region.objects.filter(pk=world.village_a2.pk).exists()


def test_region_autocomplete_offers_only_the_county(admin_a_client, world):
    response = admin_a_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "assistance", "model_name": "roleassignment", "field_name": "region", "term": ""},
    )
    assert response.status_code == 200
    names = {item["text"] for item in response.json()["results"]}
    assert "长白镇" in names and "八道沟村" in names
    assert "抚松镇" not in names and "东岗村" not in names


# --- staff --------------------------------------------------------------------------------------------


def test_staff_list_shows_only_staff_wholly_in_the_county(admin_a_client, world):
    # a caseworker of county A who also reviews in county B belongs to neither county alone
    role_assign(actor=system_actor(), staff=world.caseworker_a2, role=Role.COUNTY_REVIEWER, region=world.county_b)

    response = admin_a_client.get(_url("assistance_staff", "changelist"))

    assert response.status_code == 200
    shown = {s.username for s in response.context["cl"].result_list}
    assert shown == {"cw_a1", "va_a1", "rev_a", "adm_a", "aud_a"}
    assert "乡镇经办（长白镇）" in response.content.decode()


def test_staff_of_another_county_is_not_found(admin_a_client, world):
    url = _url("assistance_staff", "change", world.caseworker_b1.pk)
    response = admin_a_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    response = admin_a_client.post(url, {"display_name": "改", "phone": "", "is_active": ""})
    assert response.status_code == 302
    staff = Staff.objects.get(pk=world.caseworker_b1.pk)
    assert staff.is_active and staff.display_name == "cw_b1"


def test_county_admin_creates_an_account_with_its_first_role(admin_a_client, world):
    data = {
        "username": "cw_a2_new",
        "display_name": "王经办",
        "phone": "13800000000",
        "password1": "Qz7-long-pass-9",
        "password2": "Qz7-long-pass-9",
        "role": Role.TOWN_CASEWORKER,
        "region": world.town_a2.pk,
    }

    response = admin_a_client.post(_url("assistance_staff", "add"), data)

    assert response.status_code == 302, _errors(response)
    staff = Staff.objects.get(username="cw_a2_new")
    assert staff.check_password("Qz7-long-pass-9")
    assert not staff.is_staff
    assignment = RoleAssignment.objects.get(staff=staff)
    assert (assignment.role, assignment.region, assignment.granted_by) == (
        Role.TOWN_CASEWORKER,
        world.town_a2,
        world.admin_a,
    )
    actions = set(
        AuditEvent.objects.filter(target_id=str(staff.pk), actor=world.admin_a).values_list("action", flat=True)
    )
    assert actions == {"staff.create", "role.assign"}


def test_new_account_needs_a_role_in_the_county(admin_a_client, world):
    base = {
        "username": "outsider",
        "display_name": "外县人",
        "password1": "Qz7-long-pass-9",
        "password2": "Qz7-long-pass-9",
    }
    response = admin_a_client.post(_url("assistance_staff", "add"), base)
    assert response.status_code == 200
    assert {"role", "region"} <= set(response.context["adminform"].form.errors)

    response = admin_a_client.post(
        _url("assistance_staff", "add"), {**base, "role": Role.TOWN_CASEWORKER, "region": world.town_b1.pk}
    )
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    assert not Staff.objects.filter(username="outsider").exists()


def test_role_at_the_wrong_level_leaves_no_account(admin_a_client, world):
    data = {
        "username": "wrong_level",
        "display_name": "错层",
        "password1": "Qz7-long-pass-9",
        "password2": "Qz7-long-pass-9",
        "role": Role.TOWN_CASEWORKER,
        "region": world.county_a.pk,
    }

    response = admin_a_client.post(_url("assistance_staff", "add"), data)

    assert response.status_code == 200
    assert "乡镇经办应设在乡镇（街道）区划" in _errors(response)
    assert not Staff.objects.filter(username="wrong_level").exists()
    assert not AuditEvent.objects.filter(action="staff.create", actor=world.admin_a).exists()


def test_password_rules_in_chinese(admin_a_client, world):
    data = {
        "username": "weak",
        "display_name": "弱",
        "password1": "123",
        "password2": "1234",
        "role": Role.VILLAGE_ASSISTANT,
        "region": world.village_a1.pk,
    }
    response = admin_a_client.post(_url("assistance_staff", "add"), data)
    assert "两次输入的密码不一致" in _errors(response)
    data["password2"] = "123"
    response = admin_a_client.post(_url("assistance_staff", "add"), data)
    assert "密码太短，至少需要8个字符" in _errors(response)
    assert "This password" not in _errors(response)
    assert not Staff.objects.filter(username="weak").exists()


def test_incompatible_role_refused_with_the_chinese_message(admin_a_client, world):
    # given: the caseworker of 长白镇
    url = _url("assistance_staff", "change", world.caseworker_a1.pk)
    data = _post_data(admin_a_client.get(url))
    extra = _inline_rows(data) - 1
    data["display_name"] = "改了名"
    data[f"assignments-{extra}-role"] = Role.COUNTY_REVIEWER
    data[f"assignments-{extra}-region"] = str(world.county_a.pk)
    # when
    response = admin_a_client.post(url, data)
    # then
    assert response.status_code == 200
    assert "不得同时在长白朝鲜族自治县担任县级审核" in _errors(response)
    assert not RoleAssignment.objects.filter(staff=world.caseworker_a1, role=Role.COUNTY_REVIEWER).exists()
    assert Staff.objects.get(pk=world.caseworker_a1.pk).display_name == "cw_a1"  # nothing half-saved


def test_county_admin_grants_and_revokes_roles_through_the_inline(admin_a_client, world):
    url = _url("assistance_staff", "change", world.reviewer_a.pk)
    data = _post_data(admin_a_client.get(url))
    extra = _inline_rows(data) - 1
    data[f"assignments-{extra}-role"] = Role.COUNTY_ADMIN
    data[f"assignments-{extra}-region"] = str(world.county_a.pk)

    response = admin_a_client.post(url, data)

    assert response.status_code == 302, _errors(response)
    reviewer = Staff.objects.get(pk=world.reviewer_a.pk)
    assert reviewer.is_staff
    granted = RoleAssignment.objects.get(staff=reviewer, role=Role.COUNTY_ADMIN, is_active=True)

    # revoke it again: tick 撤销 on its row
    data = _post_data(admin_a_client.get(url))
    row = next(i for i in range(_inline_rows(data)) if data.get(f"assignments-{i}-id") == str(granted.pk))
    data[f"assignments-{row}-revoke"] = "on"
    response = admin_a_client.post(url, data)

    assert response.status_code == 302, _errors(response)
    granted.refresh_from_db()
    assert not granted.is_active and granted.ended_at is not None
    assert not Staff.objects.get(pk=world.reviewer_a.pk).is_staff
    assert RoleAssignment.objects.get(staff=reviewer, role=Role.COUNTY_REVIEWER).is_active
    actions = list(
        AuditEvent.objects.filter(target_id=str(reviewer.pk), actor=world.admin_a)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["role.assign", "staff.update", "role.revoke", "staff.update"]


def test_county_admin_cannot_change_their_own_roles(admin_a_client, world):
    url = _url("assistance_staff", "change", world.admin_a.pk)
    data = _post_data(admin_a_client.get(url))
    extra = _inline_rows(data) - 1
    data[f"assignments-{extra}-role"] = Role.COUNTY_REVIEWER
    data[f"assignments-{extra}-region"] = str(world.county_a.pk)
    response = admin_a_client.post(url, data)
    assert response.status_code == 200
    assert "不能为自己授予或撤销岗位" in _errors(response)
    assert RoleAssignment.objects.filter(staff=world.admin_a, is_active=True).count() == 1


def test_deactivate_and_reset_password(admin_a_client, world):
    url = _url("assistance_staff", "change", world.assistant_a1.pk)
    data = _post_data(admin_a_client.get(url))
    data.pop("is_active", None)
    data["password1"] = data["password2"] = "New-pass-2026!"

    response = admin_a_client.post(url, data)

    assert response.status_code == 302, _errors(response)
    staff = Staff.objects.get(pk=world.assistant_a1.pk)
    assert not staff.is_active and staff.check_password("New-pass-2026!")
    event = AuditEvent.objects.filter(action="staff.update", target_id=str(staff.pk)).latest("id")
    assert event.changes == {"is_active": {"before": True, "after": False}}
    assert event.note == "已重置密码"
    assert "password" not in str(event.changes)
    assert event.region_id == world.village_a1.pk  # visible to the county's auditors


def test_own_password_change_goes_through_the_service(admin_a_client, world):
    url = reverse("admin:password_change")
    response = admin_a_client.post(url, {"old_password": PASSWORD, "new_password1": "12", "new_password2": "12"})
    assert response.status_code == 200
    errors = " ".join(str(m) for m in response.context["form"].errors.get("new_password2", []))
    assert "密码太短，至少需要8个字符" in errors and "This password" not in errors

    response = admin_a_client.post(
        url, {"old_password": PASSWORD, "new_password1": "An0ther-long-pass", "new_password2": "An0ther-long-pass"}
    )

    assert response.status_code == 302
    assert Staff.objects.get(pk=world.admin_a.pk).check_password("An0ther-long-pass")
    event = AuditEvent.objects.get(action="staff.password_change")
    assert (event.actor_id, event.region_id) == (world.admin_a.pk, world.county_a.pk)
    assert "An0ther" not in str(event.changes)
    assert admin_a_client.get(reverse("admin:index")).status_code == 200  # still signed in


def test_username_is_read_only_after_creation(admin_a_client, world):
    url = _url("assistance_staff", "change", world.assistant_a1.pk)
    data = _post_data(admin_a_client.get(url))
    data["username"] = "renamed"
    assert admin_a_client.post(url, data).status_code == 302
    assert Staff.objects.get(pk=world.assistant_a1.pk).username == "va_a1"


# --- programs, illnesses, audit events, standards ------------------------------------------------------


def test_program_catalogue_is_read_only_for_county_admins(admin_a_client, world):
    assert admin_a_client.get(_url("assistance_program", "changelist")).status_code == 200
    assert admin_a_client.get(_url("assistance_program", "add")).status_code == 403
    data = {"code": "test_prog", "name": "测试项目", "short_name": "测试", "kind": "temporary", "sort_order": 5}
    assert admin_a_client.post(_url("assistance_program", "add"), data).status_code == 403
    assert not Program.objects.filter(code="test_prog").exists()


def test_superuser_edits_the_program_catalogue(client, root):
    client.force_login(root)
    data = {
        "code": "test_prog",
        "name": "测试项目",
        "short_name": "测试",
        "kind": "temporary",
        "by_household": "on",
        "is_active": "on",
        "sort_order": 5,
    }
    response = client.post(_url("assistance_program", "add"), data)
    assert response.status_code == 302
    program = Program.objects.get(code="test_prog")
    assert AuditEvent.objects.filter(action="program.create", target_id=str(program.pk), actor=root).exists()


def test_county_admin_keeps_the_county_illness_list(admin_a_client, world):
    illness_save(actor=system_actor(), illness=RecognisedIllness(county=world.county_b, name="尿毒症"))
    response = admin_a_client.get(_url("assistance_recognisedillness", "add"))
    assert set(response.context["adminform"].form.fields["county"].queryset) == {world.county_a}

    response = admin_a_client.post(
        _url("assistance_recognisedillness", "add"), {"county": world.county_a.pk, "name": "白血病", "is_active": "on"}
    )

    assert response.status_code == 302, _errors(response)
    illness = RecognisedIllness.objects.get(county=world.county_a, name="白血病")
    assert AuditEvent.objects.filter(action="illness.create", target_id=str(illness.pk), actor=world.admin_a).exists()
    listed = admin_a_client.get(_url("assistance_recognisedillness", "changelist")).context["cl"].result_list
    assert [i.name for i in listed] == ["白血病"]
    other = RecognisedIllness.objects.get(county=world.county_b)
    assert admin_a_client.get(_url("assistance_recognisedillness", "change", other.pk)).status_code == 302


def test_duplicate_illness_is_a_form_error(admin_a_client, world):
    illness_save(actor=system_actor(), illness=RecognisedIllness(county=world.county_a, name="白血病"))
    response = admin_a_client.post(
        _url("assistance_recognisedillness", "add"), {"county": world.county_a.pk, "name": "白血病", "is_active": "on"}
    )
    assert response.status_code == 200
    assert RecognisedIllness.objects.filter(county=world.county_a, name="白血病").count() == 1


def test_audit_events_in_the_console_are_scoped_and_read_only(admin_a_client, world, client, root):
    make_household(world.caseworker_a1, world.village_a1)
    make_household(world.caseworker_b1, world.village_b1)

    response = admin_a_client.get(_url("audit_auditevent", "changelist"))

    assert response.status_code == 200
    paths = {e.region_path for e in response.context["cl"].result_list}
    assert paths and all(p.startswith(world.county_a.path) for p in paths)
    outside = AuditEvent.objects.filter(region_path__startswith=world.county_b.path).first()
    assert admin_a_client.get(_url("audit_auditevent", "change", outside.pk)).status_code == 302
    inside = AuditEvent.objects.filter(region_path__startswith=world.county_a.path).first()
    page = admin_a_client.get(_url("audit_auditevent", "change", inside.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_a_client.get(_url("audit_auditevent", "add")).status_code == 403

    client.force_login(root)
    everything = client.get(_url("audit_auditevent", "changelist")).context["cl"]
    assert everything.full_result_count is None or everything.result_count == AuditEvent.objects.count()
    assert client.get(_url("audit_auditevent", "change", outside.pk)).status_code == 200


def _load_profiles():
    from eligibility.rules.profile_data import load_documents
    from eligibility.services import profiles_load

    profiles_load(actor=system_actor(), documents=load_documents())


def _next_july() -> str:
    return f"{datetime.date.today().year + 1}-07-01"


def test_parameter_console_is_scoped_to_the_administrators_profiles(admin_a_client, world, client):
    from eligibility.models import ParameterVersion, PolicyProfile

    _load_profiles()
    # 长白's administrator sees 长白's profile and its versions only (not the national baseline)
    response = admin_a_client.get(_url("eligibility_policyprofile", "changelist"))
    assert response.status_code == 200
    assert [p.code for p in response.context["cl"].result_list] == ["changbai"]
    changbai = PolicyProfile.objects.get(code="changbai")
    page = admin_a_client.get(_url("eligibility_policyprofile", "change", changbai.pk))
    assert page.status_code == 200 and "本月生效的参数" in page.content.decode()
    national = PolicyProfile.objects.get(code="national")
    assert admin_a_client.get(_url("eligibility_policyprofile", "change", national.pk)).status_code == 302
    versions = admin_a_client.get(_url("eligibility_parameterversion", "changelist") + "?all=")
    shown = {v.profile.code for v in versions.context["cl"].queryset}
    assert shown == {"changbai"}
    # a version is shown read-only: never edited in place
    version = ParameterVersion.objects.filter(profile=changbai).first()
    page = admin_a_client.get(_url("eligibility_parameterversion", "change", version.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    # 抚松 has no profile: its administrator sees none
    client.force_login(world.admin_b)
    assert not client.get(_url("eligibility_policyprofile", "changelist")).context["cl"].result_list


def test_parameters_are_proposed_and_approved_by_two_administrators(admin_a_client, world, client):
    from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile

    _load_profiles()
    changbai = PolicyProfile.objects.get(code="changbai")
    add = _url("eligibility_parameterversion", "add")
    form = {
        "profile": str(changbai.pk),
        "key": "dibao.standard.rural",
        "effective_from": _next_july(),
        "value": "abc",
        "clause": "changbai-2021 §二(一)2",
        "note": "",
    }
    # a bad value comes back as a form error, nothing written
    response = admin_a_client.post(add, form)
    assert response.status_code == 200 and "不是数字" in _errors(response)
    assert not ParameterVersion.objects.filter(status=ParameterStatus.DRAFT).exists()
    # a good one is a draft
    response = admin_a_client.post(add, {**form, "value": "650"})
    assert response.status_code == 302
    draft = ParameterVersion.objects.get(status=ParameterStatus.DRAFT)
    assert (draft.value, draft.recorded_by) == ("650", world.admin_a)

    changelist = _url("eligibility_parameterversion", "changelist")
    approve = {"action": "approve_selected", "_selected_action": [str(draft.pk)], "index": "0", "reason": ""}
    # the proposer cannot approve it
    response = admin_a_client.post(changelist, approve, follow=True)
    assert "提出人不能批准" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ParameterStatus.DRAFT
    # a second administrator of the county can
    second = staff_create(
        actor=system_actor(),
        username="adm_a2",
        display_name="adm_a2",
        password=PASSWORD,
        role=Role.COUNTY_ADMIN,
        region=world.county_a,
    )
    client.force_login(second)
    response = client.post(changelist, approve, follow=True)
    assert "已批准 1 个参数版本" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (ParameterStatus.APPROVED, second)

    # rejecting needs a reason
    admin_a_client.post(add, {**form, "value": "660"})
    other = ParameterVersion.objects.get(status=ParameterStatus.DRAFT)
    reject = {**approve, "action": "reject_selected", "_selected_action": [str(other.pk)]}
    response = client.post(changelist, reject, follow=True)
    assert "请填写驳回理由" in response.content.decode()
    client.post(changelist, {**reject, "reason": "未经县政府批准"})
    other.refresh_from_db()
    assert (other.status, other.rejection_reason) == (ParameterStatus.REJECTED, "未经县政府批准")


# --- superuser ----------------------------------------------------------------------------------------


def test_superuser_sees_and_manages_everyone(client, world, root):
    client.force_login(root)
    shown = {s.username for s in client.get(_url("assistance_staff", "changelist")).context["cl"].result_list}
    assert {"cw_a1", "cw_b1", "adm_a", "adm_b", "root"} <= shown
    assert "system" not in shown

    url = _url("assistance_staff", "change", world.caseworker_b1.pk)
    data = _post_data(client.get(url))
    extra = _inline_rows(data) - 1
    data[f"assignments-{extra}-role"] = Role.AUDITOR
    data[f"assignments-{extra}-region"] = str(world.city.pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "审计人员须独立于经办" in _errors(response)

    data[f"assignments-{extra}-role"] = Role.COUNTY_REVIEWER
    data[f"assignments-{extra}-region"] = str(world.county_a.pk)
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    assert RoleAssignment.objects.filter(staff=world.caseworker_b1, role=Role.COUNTY_REVIEWER, is_active=True).exists()

    url = _url("assistance_region", "change", world.town_b1.pk)
    data = _post_data(client.get(url))
    data["name"] = "抚松新镇"
    assert client.post(url, data).status_code == 302
    assert Region.objects.get(pk=world.town_b1.pk).name == "抚松新镇"


def test_county_admin_b_cannot_touch_county_a(client, world):
    client.force_login(world.admin_b)
    shown = {s.username for s in client.get(_url("assistance_staff", "changelist")).context["cl"].result_list}
    assert shown == {"cw_b1", "rev_b", "adm_b"}
    assert client.get(_url("assistance_staff", "change", world.caseworker_a1.pk)).status_code == 302
    assert client.get(_url("assistance_region", "change", world.village_a1.pk)).status_code == 302
