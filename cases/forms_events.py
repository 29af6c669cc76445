"""Forms of the life-event pages (生命事件): recording an event of a member, and the list's filters.

They define and parse fields only; every rule (who may record, dates, a dead member, a current imprisonment …)
is checked by ``cases.services.events.life_event_record``, whose refusals come back as
:class:`~assistance.errors.ApplicationError` and are shown next to these fields (same field names).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from cases.choices import EducationStage, LifeEventKind
from cases.forms import DateInput
from cases.forms_workflow import WorkflowForm

IN_SCHOOL_CHOICES = [
    ("", "按家庭档案（不修改）"),
    ("yes", "在校就读"),
    ("no", "不在校（已毕业、辍学或未上学）"),
]


def _today():
    return timezone.localdate()


class LifeEventForm(WorkflowForm, forms.Form):
    """登记生命事件 of one member: the fields of ``life_event_record`` a caseworker fills in."""

    sections = [
        ("事件", ["kind", "occurred_on", "note"]),
        ("特困未成年人年满18周岁时填写", ["in_school", "education_stage"]),
    ]
    wide = ("note",)

    kind = forms.ChoiceField(label="事件类型", choices=[("", "请选择"), *LifeEventKind.choices])
    occurred_on = forms.DateField(
        label="发生日期",
        widget=DateInput(),
        initial=_today,
        help_text="死亡、开始服刑、刑满释放之日；年满18周岁为其18周岁生日",
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：信息来源（死亡医学证明、判决书、释放证明）、联系人",
    )
    in_school = forms.ChoiceField(
        label="在校就读情况",
        choices=IN_SCHOOL_CHOICES,
        required=False,
        help_text="年满18周岁仍在义务教育、高中或中等职业教育（麦积区含高等教育）就读的，继续供养",
    )
    education_stage = forms.ChoiceField(
        label="在读学段",
        choices=[("", "按家庭档案（不修改）"), *EducationStage.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def service_data(self) -> dict:
        """The cleaned values as keyword arguments of ``life_event_record`` (the school facts only for adulthood;
        for other kinds the service refuses them, so a left-over choice is not sent)."""
        data = self.cleaned_data
        values = {"kind": data["kind"], "occurred_on": data["occurred_on"], "note": data.get("note") or ""}
        if data["kind"] == LifeEventKind.ADULTHOOD:
            choice = data.get("in_school") or ""
            values["in_school"] = {"yes": True, "no": False}.get(choice)
            values["education_stage"] = data.get("education_stage") or ""
        return values


class LifeEventFilterForm(forms.Form):
    """The list page's filters (invalid values are ignored, not an error)."""

    kind = forms.ChoiceField(label="事件类型", choices=[("", "全部"), *LifeEventKind.choices], required=False)
    overdue = forms.BooleanField(label="只看核查超期", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"
