"""Writes to the household registry. Every function: checks the actor may edit the household, validates
(fields and database constraints), writes, and records an audit event — in one transaction.

Callers handle :class:`assistance.errors.ApplicationError` (a 4xx with a Chinese message and field
errors). A refused write leaves nothing behind.

Split by topic — ``households`` (register, edit, change the head, grant a view), ``members`` and
``records`` (incomes, property, expenses, supporters), with the helpers they share in ``_common``; and
``workflow`` (applications through their procedure, 急难 aid, discovery reports, 失信 and 备案 records),
``events`` (life events: death, imprisonment, release, a 特困 minor turning 18) and ``lifecycle`` (the daily run).
Import from ``cases.services``; to patch a helper in a test, patch it in the submodule that calls it.
"""

from cases.services._common import _save_guarded
from cases.services.events import can_record_life_events, life_event_record
from cases.services.households import (
    HOUSEHOLD_FIELDS,
    MemberInput,
    household_change_head,
    household_create,
    household_grant_access,
    household_revoke_access,
    household_update,
)
from cases.services.lifecycle import (
    deadlines_flag_overdue,
    enrolments_advance,
    recheck_open_due,
    tekun_minors_come_of_age,
)
from cases.services.members import (
    MEMBER_FIELDS,
    member_add,
    member_remove,
    member_reveal_id_number,
    member_update,
    selfcare_level,
)
from cases.services.records import (
    ASSET_FIELDS,
    EXPENSE_FIELDS,
    INCOME_FIELDS,
    SUPPORTER_FIELDS,
    asset_add,
    asset_delete,
    asset_update,
    expense_add,
    expense_delete,
    expense_update,
    income_delete,
    income_record,
    income_update,
    supporter_add,
    supporter_delete,
    supporter_update,
)
from cases.services.workflow import (
    application_accept,
    application_decide,
    application_deliberation_record,
    application_evaluate,
    application_extend,
    application_investigation_start,
    application_materials_complete,
    application_notice_close,
    application_notice_publish,
    application_objection_record,
    application_refusal_notify,
    application_return,
    application_town_review,
    application_visit_record,
    application_withdraw,
    discovery_report_close,
    discovery_report_create,
    emergency_aid_grant,
    emergency_papers_complete,
    integrity_penalty_record,
    relative_filing_record,
)

__all__ = [
    "ASSET_FIELDS",
    "EXPENSE_FIELDS",
    "HOUSEHOLD_FIELDS",
    "INCOME_FIELDS",
    "MEMBER_FIELDS",
    "SUPPORTER_FIELDS",
    "MemberInput",
    "_save_guarded",
    "application_accept",
    "application_decide",
    "application_deliberation_record",
    "application_evaluate",
    "application_extend",
    "application_investigation_start",
    "application_materials_complete",
    "application_notice_close",
    "application_notice_publish",
    "application_objection_record",
    "application_refusal_notify",
    "application_return",
    "application_town_review",
    "application_visit_record",
    "application_withdraw",
    "asset_add",
    "asset_delete",
    "asset_update",
    "can_record_life_events",
    "deadlines_flag_overdue",
    "discovery_report_close",
    "discovery_report_create",
    "emergency_aid_grant",
    "emergency_papers_complete",
    "enrolments_advance",
    "expense_add",
    "expense_delete",
    "expense_update",
    "household_change_head",
    "household_create",
    "household_grant_access",
    "household_revoke_access",
    "household_update",
    "income_delete",
    "income_record",
    "income_update",
    "integrity_penalty_record",
    "life_event_record",
    "member_add",
    "member_remove",
    "member_reveal_id_number",
    "member_update",
    "recheck_open_due",
    "relative_filing_record",
    "selfcare_level",
    "supporter_add",
    "supporter_delete",
    "supporter_update",
    "tekun_minors_come_of_age",
]
