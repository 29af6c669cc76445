"""The audit-trail pages: the scoped list of events with filters, one event in full, and the chain check.

For auditors and county administrators (``caps.view_audit_trail``) and superusers; anyone else gets a
403. Events outside the viewer's regions are not found (404).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditEvent
from audit.selectors import (
    ACTION_LABELS,
    action_label,
    audit_event_get_for,
    audit_event_list_for,
    can_view_audit_trail,
    household_codes,
)
from audit.services import audit_chain_verify

PAGE_SIZE = 50
_ACTION_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


class AuditFilterForm(forms.Form):
    action = forms.CharField(label="操作", required=False, max_length=60)
    actor = forms.CharField(label="操作人账号", required=False, max_length=150)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    household = forms.CharField(label="家庭编号", required=False, max_length=20)

    def clean_action(self) -> str:
        action = self.cleaned_data["action"].strip()
        if action and not _ACTION_RE.match(action):
            raise forms.ValidationError("请选择有效的操作类型")
        return action

    def clean(self):
        cleaned_data = super().clean()
        date_from, date_to = cleaned_data.get("date_from"), cleaned_data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return cleaned_data


def _require_audit_viewer(request) -> None:
    if not can_view_audit_trail(request.user):
        raise PermissionDenied("您的岗位无权查看审计留痕")


@login_required
@require_GET
def event_list(request):
    """List the events in the viewer's regions, newest first, 50 a page."""
    _require_audit_viewer(request)
    form = AuditFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        events = audit_event_list_for(
            actor=request.user,
            action=data.get("action", ""),
            actor_username=(data.get("actor") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            household_code=(data.get("household") or "").strip(),
        )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = household_codes(page.object_list)
    rows = [
        {"event": e, "action_label": action_label(e.action), "household_code": codes.get(e.household_ref)}
        for e in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "action_choices": sorted(ACTION_LABELS.items(), key=lambda kv: kv[0]),
        "query": query.urlencode(),
    }
    return render(request, "audit/event_list.html", context, status=status)


def _field_label(model, name: str) -> tuple[str, Any]:
    """Return the Chinese label of a changed field (by name or attname) and the field, if known."""
    if model is None:
        return name, None
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return str(field.verbose_name), field
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name, None
    return str(getattr(field, "verbose_name", name)), field


def _display(value: Any, field) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and getattr(field, "flatchoices", None):
        choices = {str(k): str(v) for k, v in field.flatchoices}
        if str(value) in choices:
            return choices[str(value)]
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def change_rows(event: AuditEvent) -> list[dict[str, Any]]:
    """Turn an event's ``changes`` into rows: field label, before, after (or a single value)."""
    try:
        model = apps.get_model(event.target_type)
    except (LookupError, ValueError):
        model = None
    rows = []
    changes = event.changes if isinstance(event.changes, dict) else {"changes": event.changes}
    for name, value in changes.items():
        label, field = _field_label(model, name)
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            rows.append(
                {
                    "field": name,
                    "label": label,
                    "before": _display(value["before"], field),
                    "after": _display(value["after"], field),
                    "is_change": True,
                }
            )
        else:
            rows.append({"field": name, "label": label, "value": _display(value, field), "is_change": False})
    return rows


@login_required
@require_GET
def event_detail(request, pk: int):
    """Show one event in full: what changed (before → after), who, when, from where, and its hashes."""
    _require_audit_viewer(request)
    event = audit_event_get_for(actor=request.user, pk=pk)
    codes = household_codes([event])
    context = {
        "event": event,
        "action_label": action_label(event.action),
        "household_code": codes.get(event.household_ref),
        "rows": change_rows(event),
    }
    return render(request, "audit/event_detail.html", context)


@login_required
@require_POST
def chain_verify(request):
    """Walk the whole chain (``audit_chain_verify``) and show whether it is intact or where it breaks."""
    _require_audit_viewer(request)
    report = audit_chain_verify()
    broken_visible = False
    if report.broken_at:
        broken_visible = audit_event_list_for(actor=request.user).filter(pk=report.broken_at).exists()
    return render(
        request,
        "audit/verify.html",
        {"report": report, "broken_visible": broken_visible},
        status=200,
    )
