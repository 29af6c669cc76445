"""Pages of the household registry: list, detail, and the forms that call ``cases.services``.

Every object is fetched through a scoped selector (outside the user's jurisdiction: 404); every edit
page first checks the user may edit that household (otherwise :class:`PermissionRefused`, a 403 page).
A refused write re-renders the form with the service's messages next to the fields (status 400, or
the error's own status when it concerns no field, e.g. 409 for a stale version).

Split by topic — ``households`` (list, detail, register, edit, change the head), ``members``,
``records`` (incomes, property, expenses, supporters), ``fragments`` (htmx), ``history`` (the detail
page's history), with what the edit pages share in ``_common``; the case workflow in ``applications``
(inbox, list, case page, transitions, intake), ``discovery`` (主动发现), ``events`` (生命事件) and ``workflow``
(what they share).
"""

from cases.views._common import can_edit
from cases.views.applications import (
    TRANSITIONS,
    application_act,
    application_create,
    application_detail,
    application_list,
    can_take_applications,
    emergency_aid,
    household_cases,
    inbox,
)
from cases.views.discovery import discovery_close, discovery_create, discovery_detail, discovery_list
from cases.views.events import life_event_create, life_event_detail, life_event_list
from cases.views.fragments import id_number_check, member_reveal_id, region_village_options
from cases.views.history import Change
from cases.views.households import (
    PAGE_SIZE,
    IncomeMonth,
    household_change_head,
    household_create,
    household_detail,
    household_edit,
    household_list,
)
from cases.views.members import member_add, member_edit, member_remove
from cases.views.records import RECORD_KINDS, RecordKind, record_add, record_delete, record_edit

__all__ = [
    "PAGE_SIZE",
    "RECORD_KINDS",
    "TRANSITIONS",
    "Change",
    "IncomeMonth",
    "RecordKind",
    "application_act",
    "application_create",
    "application_detail",
    "application_list",
    "can_edit",
    "can_take_applications",
    "discovery_close",
    "discovery_create",
    "discovery_detail",
    "discovery_list",
    "emergency_aid",
    "household_cases",
    "household_change_head",
    "household_create",
    "household_detail",
    "household_edit",
    "household_list",
    "id_number_check",
    "inbox",
    "life_event_create",
    "life_event_detail",
    "life_event_list",
    "member_add",
    "member_edit",
    "member_remove",
    "member_reveal_id",
    "record_add",
    "record_delete",
    "record_edit",
    "region_village_options",
]
