"""HTML fragments fetched by htmx: the village options of a town, a revealed ID number, and the inline
check of an ID-number input."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from assistance.roles import RegionLevel
from cases import selectors, services
from cases.id_numbers import parse_id_number


@login_required
def region_village_options(request):
    """The village ``<option>``s of a town (htmx: the list's village filter follows its town filter)."""
    town = None
    if request.GET.get("town"):
        try:
            town = selectors.region_get_for(actor=request.user, pk=request.GET["town"], level=RegionLevel.TOWN)
        except Http404:
            return render(request, "cases/_village_options.html", {"villages": []})
    villages = selectors.villages_for(request.user, town).select_related("parent")
    return render(request, "cases/_village_options.html", {"villages": villages})


@login_required
@require_POST
def member_reveal_id(request, pk):
    """Return the full ID number as a fragment (htmx); the service records the viewing in the audit trail."""
    member = selectors.member_get_for(actor=request.user, pk=pk)
    number = services.member_reveal_id_number(actor=request.user, member=member, purpose="家庭档案页面查看")
    return render(request, "cases/_revealed_id.html", {"number": number})


@login_required
@require_POST
def id_number_check(request):
    """Inline check of an ID-number input (htmx): the Chinese error, or the birth date and sex it encodes."""
    value = next((v for k, v in request.POST.items() if k.endswith("id_number")), "")
    value = value.strip()[:100]
    if not value:
        return HttpResponse("")
    try:
        facts = parse_id_number(value)
    except ValidationError as error:
        return render(request, "cases/_id_check.html", {"error": error.messages[0]})
    return render(request, "cases/_id_check.html", {"facts": facts})
