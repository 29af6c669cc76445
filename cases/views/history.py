"""The household's history on its detail page: its audit events with the changed values in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistance.models import RecognisedIllness, Region
from audit.selectors import action_label
from cases import selectors
from cases.models import (
    Application,
    Asset,
    Enrolment,
    Household,
    LegalSupporter,
    LifeEvent,
    Member,
    MemberIncome,
    RigidExpense,
)

_HISTORY_MODELS = {
    "cases.household": Household,
    "cases.member": Member,
    "cases.memberincome": MemberIncome,
    "cases.asset": Asset,
    "cases.rigidexpense": RigidExpense,
    "cases.legalsupporter": LegalSupporter,
    "cases.application": Application,
    "cases.enrolment": Enrolment,
    "cases.lifeevent": LifeEvent,
}


_HISTORY_HIDDEN = {"version", "created_by_id", "household_id", "code"}


@dataclass
class Change:
    label: str
    before: str
    after: str


def _history_rows(household: Household, members: list[Member]) -> list[tuple[Any, str, list[Change], bool]]:
    """Return ``(event, action label, changes, compact)`` for the household's audit events, values in words.

    ``compact``: a record created or deleted, whose values read best on one line.

    Region and illness names are fetched in one query each; member names come from ``members``.
    """
    events = list(selectors.household_history(household=household))
    region_ids, illness_ids = set(), set()
    for event in events:
        for key, value in _change_items(event):
            if key.endswith("region_id"):
                region_ids.update(v for v in (value.get("before"), value.get("after")) if v)
            elif key == "serious_illness_id":
                illness_ids.update(v for v in (value.get("before"), value.get("after")) if v)
    names: dict[tuple[str, Any], str] = {}
    names.update(
        {("region", pk): name for pk, name in Region.objects.filter(pk__in=region_ids).values_list("pk", "name")}
    )
    illnesses = RecognisedIllness.objects.filter(pk__in=illness_ids).values_list("pk", "name")
    names.update({("illness", pk): name for pk, name in illnesses})
    names.update({("member", m.pk): m.name for m in members})
    rows = []
    for event in events:
        model = _HISTORY_MODELS.get(event.target_type)
        changes = []
        compact = event.action.endswith((".create", ".delete"))
        if event.action != "member.reveal_id_number":
            for key, value in _change_items(event):
                if key in _HISTORY_HIDDEN:
                    continue
                before, after = value.get("before"), value.get("after")
                if compact and before in (None, "", False) and after in (None, "", False):
                    continue
                changes.append(
                    Change(
                        _field_label(model, key),
                        _display(model, key, before, names),
                        _display(model, key, after, names),
                    )
                )
        rows.append((event, action_label(event.action), changes, compact))
    return rows


def _change_items(event) -> list[tuple[str, dict]]:
    if not isinstance(event.changes, dict):
        return []
    return [
        (key, value if isinstance(value, dict) and ("before" in value or "after" in value) else {"after": value})
        for key, value in event.changes.items()
    ]


def _model_field(model, key: str):
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if f.attname == key or f.name == key:
            return f
    return None


def _field_label(model, key: str) -> str:
    field = _model_field(model, key)
    return str(field.verbose_name) if field is not None else key


def _display(model, key: str, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _model_field(model, key)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation:
        related = field.related_model
        kind = {Region: "region", Member: "member", RecognisedIllness: "illness"}.get(related)
        if kind:
            return names.get((kind, value), f"#{value}")
        return f"#{value}"
    return str(value)
