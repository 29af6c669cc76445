"""Writes to regions, programs, staff and role assignments. Each one is audited in its transaction."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused, from_validation_error
from assistance.models import (
    PATH_SEPARATOR,
    CalendarOverride,
    CalendarYear,
    Program,
    RecognisedIllness,
    Region,
    RoleAssignment,
    Staff,
)
from assistance.roles import LEVEL_DEPTH, ROLE_LEVELS, RegionLevel, Role, capabilities_for, roles_incompatible
from assistance.scoping import active_assignments, in_scope
from assistance.workdays import library_covers_year, unrecorded_fixed_holidays
from audit.services import audit_record, model_snapshot


def system_actor() -> Staff:
    """Return the named account automated jobs act as (created on first use; it cannot log in)."""
    staff, _ = Staff.objects.get_or_create(
        username=settings.SYSTEM_ACTOR_USERNAME,
        defaults={"display_name": "系统", "is_system": True, "is_active": False, "password": "!"},
    )
    return staff


def full_clean_or_raise(instance, *, exclude: list[str] | None = None, validate_constraints: bool = True) -> None:
    """Run model validation (fields, and constraints unless told not to) and raise ApplicationError with
    field messages.

    Django checks each CHECK/UNIQUE constraint with its own query; callers that save through a guard
    mapping IntegrityError to the constraint's message (``cases.services._save_guarded``) may pass
    ``validate_constraints=False`` and let the database check them on insert instead.
    """
    try:
        instance.full_clean(exclude=exclude, validate_constraints=validate_constraints)
    except ValidationError as error:
        raise from_validation_error(error) from None


# --- permissions -------------------------------------------------------------------------------------


def can_administer_region(actor: Staff, region: Region) -> bool:
    """A superuser administers everything; a county administrator their county's subtree."""
    if actor.is_superuser or getattr(actor, "is_system", False):
        return True
    return any(a.role == Role.COUNTY_ADMIN and region.path.startswith(a.region.path) for a in active_assignments(actor))


def _require_admin_of(actor: Staff, region: Region) -> None:
    if not can_administer_region(actor, region):
        raise PermissionRefused("只有本县（市、区）的管理员可以管理该区划的人员和区划")


# --- regions -----------------------------------------------------------------------------------------


@transaction.atomic
def region_create(
    *, actor: Staff, code: str, name: str, level: str, parent: Region | None, is_urban: bool = False
) -> Region:
    """Create a region below ``parent`` (None only for a province) and set its materialised path."""
    if parent is None:
        if not actor.is_superuser and not getattr(actor, "is_system", False):
            raise PermissionRefused("只有系统管理员可以新建省级区划")
        path = f"{PATH_SEPARATOR}{code}{PATH_SEPARATOR}"
    else:
        _require_admin_of(actor, parent)
        if LEVEL_DEPTH[RegionLevel(level)] <= LEVEL_DEPTH[RegionLevel(parent.level)]:
            raise ApplicationError(
                f"{RegionLevel(level).label}不能设在{RegionLevel(parent.level).label}之下",
                code="region_level",
                fields={"level": ["层级应低于上级区划"]},
            )
        path = f"{parent.path}{code}{PATH_SEPARATOR}"
    region = Region(code=code, name=name, level=level, parent=parent, path=path, is_urban=is_urban)
    full_clean_or_raise(region)
    region.save()
    audit_record(actor=actor, action="region.create", target=region, after=model_snapshot(region), region=region)
    return region


@transaction.atomic
def region_update(*, actor: Staff, region: Region, name: str, is_urban: bool) -> Region:
    """Rename a region or change its urban flag. Its code and place in the tree do not change."""
    _require_admin_of(actor, region)
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = model_snapshot(region)
    region.name = name
    region.is_urban = is_urban
    full_clean_or_raise(region)
    region.save(update_fields=["name", "is_urban", "updated_at"])
    audit_record(
        actor=actor, action="region.update", target=region, before=before, after=model_snapshot(region), region=region
    )
    return region


# --- programs and illness lists ----------------------------------------------------------------------


@transaction.atomic
def program_save(*, actor: Staff, program: Program) -> Program:
    """Create or update a catalogue entry (superusers only: the catalogue is national)."""
    if not (actor.is_superuser or getattr(actor, "is_system", False)):
        raise PermissionRefused("救助项目目录由系统管理员维护")
    before = model_snapshot(Program.objects.get(pk=program.pk)) if program.pk else None
    full_clean_or_raise(program)
    program.save()
    audit_record(
        actor=actor,
        action="program.update" if before else "program.create",
        target=program,
        before=before,
        after=model_snapshot(program),
    )
    return program


@transaction.atomic
def illness_save(*, actor: Staff, illness: RecognisedIllness) -> RecognisedIllness:
    """Create or update an entry of a county's recognised serious-illness list."""
    _require_admin_of(actor, illness.county)
    before = model_snapshot(RecognisedIllness.objects.get(pk=illness.pk)) if illness.pk else None
    full_clean_or_raise(illness)
    illness.save()
    audit_record(
        actor=actor,
        action="illness.update" if before else "illness.create",
        target=illness,
        before=before,
        after=model_snapshot(illness),
        region=illness.county,
    )
    return illness


# --- the working-day calendar ------------------------------------------------------------------------


def _require_calendar_admin(actor: Staff) -> None:
    # The holiday arrangement is national (State Council notice), so no county may change it.
    if not (actor.is_active and actor.is_superuser) and not getattr(actor, "is_system", False):
        raise PermissionRefused("节假日安排全国统一，只有系统管理员可以补录")


@transaction.atomic
def calendar_override_set(*, actor: Staff, day: datetime.date, is_working_day: bool, note: str) -> CalendarOverride:
    """Record (or change) whether ``day`` is a working day; it then wins over the library's calendar.

    Superusers only; ``note`` must name the notice it follows. Raises ApplicationError otherwise.
    """
    _require_calendar_admin(actor)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(
            "请填写依据（如国务院办公厅关于节假日安排的通知）", code="note_required", fields={"note": ["必须填写依据"]}
        )
    override = CalendarOverride.objects.select_for_update().filter(day=day).first()
    before = model_snapshot(override) if override else None
    if override is None:
        override = CalendarOverride(day=day)
    override.is_working_day = is_working_day
    override.note = note
    override.recorded_by = actor
    full_clean_or_raise(override, exclude=["day"] if override.pk else None)
    try:
        with transaction.atomic():
            override.save()
    except IntegrityError:  # another administrator recorded the same date at the same moment
        raise ApplicationError("该日期刚被他人补录，请刷新后重试", code="conflict", status=409) from None
    audit_record(
        actor=actor,
        action="calendar_override.update" if before else "calendar_override.create",
        target=override,
        before=before,
        after=model_snapshot(override),
    )
    return override


@transaction.atomic
def calendar_override_delete(*, actor: Staff, override: CalendarOverride) -> None:
    """Remove an override, so the date follows the library, its declared year or the provisional rule again.

    Superusers only."""
    _require_calendar_admin(actor)
    override = CalendarOverride.objects.select_for_update().filter(pk=override.pk).first()
    if override is None:
        raise ApplicationError("该补录记录已不存在", code="not_found", status=404)
    before = model_snapshot(override)
    audit_record(actor=actor, action="calendar_override.delete", target=override, before=before, after=None)
    override.delete()


@transaction.atomic
def calendar_year_declare(*, actor: Staff, year: int, source: str) -> CalendarYear:
    """Declare that the whole holiday arrangement of ``year`` has been entered as overrides.

    From then on the year's other days follow Monday to Friday and its deadlines are no longer provisional
    (``assistance.workdays``). Superusers only; ``source`` must name the State Council's notice. Refuses a
    year the ``chinesecalendar`` library covers (``calendar_year_covered``), a year with no override at all
    (``calendar_year_empty``), one whose fixed-date statutory holidays on weekdays are not all recorded as
    rest days (``calendar_year_incomplete``) and one already declared (``conflict``).
    """
    _require_calendar_admin(actor)
    source = (source or "").strip()
    if not source:
        raise ApplicationError(
            "请填写依据（如国务院办公厅关于节假日安排的通知）",
            code="source_required",
            fields={"source": ["必须填写依据"]},
        )
    if CalendarYear.objects.filter(year=year).exists():
        raise ApplicationError(f"{year} 年已声明，无需重复声明", code="conflict", status=409)
    declaration = CalendarYear(year=year, source=source, declared_by=actor)
    full_clean_or_raise(declaration)
    if library_covers_year(year):
        raise ApplicationError(
            f"{year} 年的节假日安排已包含在 chinesecalendar 中，无需声明", code="calendar_year_covered"
        )
    # Lock the year's overrides so none is removed while the declaration is checked against them.
    overrides = dict(
        CalendarOverride.objects.select_for_update().filter(day__year=year).values_list("day", "is_working_day")
    )
    if not overrides:
        raise ApplicationError("请先补录该年的节假日和调休上班日", code="calendar_year_empty")
    # 《全国年节及纪念日放假办法》第二条: 元旦, 劳动节 and 国庆节 are always rest days; a notice that was
    # entered completely has recorded each of them that falls on Monday–Friday.
    missing = unrecorded_fixed_holidays(year, overrides)
    if missing:
        days = "、".join(f"{day:%Y-%m-%d}（{name}）" for day, name in missing)
        raise ApplicationError(
            f"以下法定节假日尚未补录为休息日：{days}，请先补录该年的全部节假日和调休上班日",
            code="calendar_year_incomplete",
            extra={"days": [day.isoformat() for day, _ in missing]},
        )
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:  # declared already, or by another administrator at the same moment
        raise ApplicationError(f"{year} 年已声明，无需重复声明", code="conflict", status=409) from None
    audit_record(
        actor=actor, action="calendar_year.declare", target=declaration, before=None, after=model_snapshot(declaration)
    )
    return declaration


@transaction.atomic
def calendar_year_undeclare(*, actor: Staff, calendar_year: CalendarYear) -> None:
    """Withdraw a year's declaration: its days not overridden become provisional again. Superusers only."""
    _require_calendar_admin(actor)
    calendar_year = CalendarYear.objects.select_for_update().filter(pk=calendar_year.pk).first()
    if calendar_year is None:
        raise ApplicationError("该年度声明已不存在", code="not_found", status=404)
    before = model_snapshot(calendar_year)
    audit_record(actor=actor, action="calendar_year.undeclare", target=calendar_year, before=before, after=None)
    calendar_year.delete()


# --- staff -------------------------------------------------------------------------------------------

STAFF_FIELDS = ["username", "display_name", "phone", "is_active", "is_staff", "is_superuser"]


@transaction.atomic
def staff_create(
    *,
    actor: Staff,
    username: str,
    display_name: str,
    password: str | None,
    phone: str = "",
    role: str | None = None,
    region: Region | None = None,
    password_hash: str | None = None,
) -> Staff:
    """Create a staff account, optionally with its first role assignment.

    ``password_hash`` (from ``make_password``) replaces ``password`` when many accounts share one
    password, e.g. the demo logins: hashing costs a third of a second each time.
    """
    if region is not None:
        _require_admin_of(actor, region)
    elif not (actor.is_superuser or getattr(actor, "is_system", False) or capabilities_for(actor).manage_staff):
        raise PermissionRefused("只有管理员可以新建人员")
    staff = Staff(username=username, display_name=display_name, phone=phone)
    if password_hash:
        staff.password = password_hash
    elif password:
        staff.set_password(password)
    else:
        staff.set_unusable_password()
    full_clean_or_raise(staff, exclude=["password"])
    staff.save()
    audit_record(
        actor=actor, action="staff.create", target=staff, after=model_snapshot(staff, STAFF_FIELDS), region=region
    )
    if role is not None and region is not None:
        role_assign(actor=actor, staff=staff, role=role, region=region)
    return staff


@transaction.atomic
def staff_make_superuser(*, actor: Staff, staff: Staff) -> Staff:
    """Make ``staff`` a system administrator (superuser, admin console). Only the system account or a
    superuser may do this; the first superuser of a new installation is made by a command."""
    if not (actor.is_superuser or getattr(actor, "is_system", False)):
        raise PermissionRefused("只有系统管理员可以设立系统管理员")
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    if staff.is_superuser and staff.is_staff:
        return staff
    before = model_snapshot(staff, STAFF_FIELDS)
    staff.is_superuser = True
    staff.is_staff = True
    staff.save(update_fields=["is_superuser", "is_staff"])
    audit_record(
        actor=actor,
        action="staff.make_superuser",
        target=staff,
        before=before,
        after=model_snapshot(staff, STAFF_FIELDS),
        note="设为系统管理员",
    )
    return staff


def _staff_regions(staff: Staff) -> list[Region]:
    return [a.region for a in RoleAssignment.objects.filter(staff=staff, is_active=True).select_related("region")]


def can_manage_staff(actor: Staff, staff: Staff) -> bool:
    """A county administrator manages staff all of whose active assignments lie in their county."""
    if actor.is_superuser or getattr(actor, "is_system", False):
        return True
    if staff.is_superuser:
        return False
    regions = _staff_regions(staff)
    return bool(regions) and all(can_administer_region(actor, r) for r in regions)


@transaction.atomic
def staff_update(
    *, actor: Staff, staff: Staff, display_name: str, phone: str, is_active: bool, password: str | None = None
) -> Staff:
    """Change a staff member's name, phone, active flag or password."""
    if not can_manage_staff(actor, staff):
        raise PermissionRefused("只能管理本县（市、区）的人员")
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    before = model_snapshot(staff, STAFF_FIELDS)
    staff.display_name = display_name
    staff.phone = phone
    staff.is_active = is_active
    changes_password = bool(password)
    if password:
        staff.set_password(password)
    full_clean_or_raise(staff, exclude=["password"])
    staff.save()
    after = model_snapshot(staff, STAFF_FIELDS)
    regions = _staff_regions(staff)
    audit_record(
        actor=actor,
        action="staff.update",
        target=staff,
        before=before,
        after=after,
        note="已重置密码" if changes_password else "",
        region=regions[0] if regions else None,  # so the county's auditors see it
    )
    return staff


@transaction.atomic
def staff_change_own_password(*, actor: Staff, password: str) -> Staff:
    """Set the actor's own password (the caller has checked the old one and the password rules)."""
    if not password:
        raise ApplicationError("请输入新密码", code="invalid", fields={"new_password1": ["这是必填项"]})
    staff = Staff.objects.select_for_update().get(pk=actor.pk)
    staff.set_password(password)
    staff.save(update_fields=["password"])
    regions = _staff_regions(staff)
    audit_record(
        actor=actor,
        action="staff.password_change",
        target=staff,
        changes={"password": "已修改"},
        note="本人修改密码",
        region=regions[0] if regions else None,
    )
    return staff


def _refuse_own_roles(actor: Staff, staff: Staff) -> None:
    """A county administrator does not grant or revoke their own roles (a superuser may)."""
    if staff.pk == actor.pk and not (actor.is_superuser or getattr(actor, "is_system", False)):
        raise PermissionRefused("不能为自己授予或撤销岗位，请由其他管理员办理")


@transaction.atomic
def role_assign(*, actor: Staff, staff: Staff, role: str, region: Region) -> RoleAssignment:
    """Give ``staff`` a role over ``region``; refuse a wrong region level or an incompatible combination."""
    _require_admin_of(actor, region)
    _refuse_own_roles(actor, staff)
    if role not in Role.values:
        raise ApplicationError("岗位不存在", code="invalid_role", fields={"role": ["请选择有效的岗位"]})
    if region.level not in ROLE_LEVELS[role]:
        allowed = "、".join(RegionLevel(lv).label for lv in ROLE_LEVELS[role])
        raise ApplicationError(
            f"{Role(role).label}应设在{allowed}区划",
            code="role_region_level",
            fields={"region": [f"{Role(role).label}应设在{allowed}区划"]},
        )
    # Lock the staff row so two concurrent grants cannot both pass the compatibility check.
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    for other in RoleAssignment.objects.filter(staff=staff, is_active=True).select_related("region"):
        overlapping = other.region.path.startswith(region.path) or region.path.startswith(other.region.path)
        if overlapping and roles_incompatible(other.role, role):
            raise ApplicationError(
                f"{staff}已在{other.region}担任{other.get_role_display()}，不得同时在{region}担任{Role(role).label}"
                "（同一案件的乡镇审核与县级确认不能由同一人办理；审计人员须独立于经办）",
                code="incompatible_roles",
                fields={"role": ["与该人员现有岗位不相容"]},
            )
    if RoleAssignment.objects.filter(staff=staff, role=role, region=region, is_active=True).exists():
        raise ApplicationError(
            "该人员在此区划已有相同岗位", code="duplicate_role", fields={"region": ["该人员在此区划已有相同岗位"]}
        )
    assignment = RoleAssignment(staff=staff, role=role, region=region, granted_by=actor)
    full_clean_or_raise(assignment)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise ApplicationError("该人员在此区划已有相同岗位", code="duplicate_role") from None
    audit_record(
        actor=actor, action="role.assign", target=staff, changes={"role": role, "region": region.code}, region=region
    )
    if role == Role.COUNTY_ADMIN and not staff.is_staff:
        _set_console_access(actor=actor, staff=staff, allowed=True, region=region)
    staff.__dict__.pop("_active_assignments", None)
    staff.__dict__.pop("_capabilities", None)
    return assignment


@transaction.atomic
def role_revoke(*, actor: Staff, assignment: RoleAssignment) -> RoleAssignment:
    """End a role assignment (kept as history)."""
    _require_admin_of(actor, assignment.region)
    _refuse_own_roles(actor, assignment.staff)
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_active:
        raise ApplicationError("该岗位授权已撤销", code="already_revoked", status=409)
    assignment.is_active = False
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["is_active", "ended_at"])
    audit_record(
        actor=actor,
        action="role.revoke",
        target=assignment.staff,
        changes={"role": assignment.role, "region": assignment.region.code},
        region=assignment.region,
    )
    staff = assignment.staff
    still_admin = RoleAssignment.objects.filter(staff=staff, role=Role.COUNTY_ADMIN, is_active=True).exists()
    if assignment.role == Role.COUNTY_ADMIN and staff.is_staff and not staff.is_superuser and not still_admin:
        _set_console_access(actor=actor, staff=staff, allowed=False, region=assignment.region)
    return assignment


def _set_console_access(*, actor: Staff, staff: Staff, allowed: bool, region: Region) -> None:
    """Open or close the admin console (Django's ``is_staff``) with the county-administrator role. Audited."""
    before = model_snapshot(staff, STAFF_FIELDS)
    staff.is_staff = allowed
    staff.save(update_fields=["is_staff"])
    audit_record(
        actor=actor,
        action="staff.update",
        target=staff,
        before=before,
        after=model_snapshot(staff, STAFF_FIELDS),
        note="担任县级管理员，开通管理后台登录" if allowed else "不再担任县级管理员，关闭管理后台登录",
        region=region,
    )


def staff_may_see_region(actor: Staff, region: Region) -> bool:
    return actor.is_superuser or in_scope(actor, region)


@transaction.atomic
def staff_login_record(*, actor: Staff) -> None:
    """Record that ``actor`` signed in to the pages (who, when, from which address, request id)."""
    from audit.services import Target

    audit_record(
        actor=actor,
        action="staff.login",
        target=Target(type="assistance.staff", id=str(actor.pk), label=str(actor)[:200]),
        changes={},
    )
