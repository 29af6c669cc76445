"""Pages of life events (生命事件): recording an event of a member (from the household page), the event with what
the system did about it, and the list of events in the user's jurisdiction (filter by kind, overdue reviews).

Thin: objects come from scoped selectors (404 outside the jurisdiction); the write is
``cases.services.life_event_record``, whose refusal is shown on the form (4xx) or, for the role, the 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from assistance.errors import ApplicationError, PermissionRefused
from cases import selectors, services
from cases.choices import OPEN_STATUSES, HouseholdStatus
from cases.forms_events import LifeEventFilterForm, LifeEventForm
from cases.views.workflow import refused

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def life_event_create(request, pk):
    """登记生命事件 of member ``pk``: calls ``life_event_record``, then shows the event and its outcome."""
    user = request.user
    member = selectors.member_get_for(actor=user, pk=pk)
    household = member.household
    if not services.can_record_life_events(user, household):
        if household.status != HouseholdStatus.ACTIVE:
            raise ApplicationError("该家庭已注销，不能登记生命事件", code="household_closed", status=409)
        raise PermissionRefused("只有该家庭所在乡镇的经办人员或县级审核人员可以登记生命事件")
    data = request.POST if request.method == "POST" else None
    form = LifeEventForm(data, initial={"kind": request.GET.get("kind", "")})
    status = 200
    error_message = ""
    if data is not None:
        if form.is_valid():
            try:
                event = services.life_event_record(actor=user, member=member, **form.service_data())
            except ApplicationError as error:
                status = refused([form], error)
                error_message = error.message
            else:
                messages.success(request, f"已登记：{member.name} {event.get_kind_display()}。处理结果见下方。")
                return redirect(event)
        else:
            status = 400
            error_message = "提交的信息有误，请按提示修改。"
    context = {"form": form, "member": member, "household": household, "error_message": error_message}
    return render(request, "cases/events/form.html", context, status=status)


@login_required
def life_event_detail(request, pk):
    """One event: what was recorded, and what the system did (the outcome, the 复核, the funeral payment)."""
    event = selectors.life_event_get_for(actor=request.user, pk=pk)
    context = {
        "event": event,
        "outcome_lines": [line for line in event.outcome.splitlines() if line.strip()],
        "enrolments": list(event.enrolments.select_related("subject").order_by("pk")),
        "review_overdue": review_overdue(event, timezone.localdate()),
    }
    return render(request, "cases/events/detail.html", context)


def review_overdue(event, today) -> bool:
    """The review deadline passed and the 复核 is not decided (or was never opened)."""
    if event.review_due_on is None or event.review_due_on >= today:
        return False
    app = event.review_application
    return app is None or app.status in OPEN_STATUSES


@login_required
def life_event_list(request):
    """The events of the user's jurisdiction, newest first, 50 a page; filters: kind, overdue review."""
    form = LifeEventFilterForm(request.GET or None)
    kind, overdue = "", False
    if form.is_bound and form.is_valid():
        kind, overdue = form.cleaned_data["kind"], form.cleaned_data["overdue"]
    events = selectors.life_event_list_for(actor=request.user, kind=kind, overdue_review=overdue)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for event in page:
        event.overdue = review_overdue(event, today)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "overdue_only": overdue}
    return render(request, "cases/events/list.html", context)
