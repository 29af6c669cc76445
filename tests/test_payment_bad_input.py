"""Bad input on the payments pages and API — a wrong month, year, amount or id, a missing field, an unknown choice —
gets a Chinese message and a 4xx (or is ignored as a filter), never a 500, and changes nothing."""

from __future__ import annotations

from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.test_payment_rolls import _generate, enrolled, with_account  # noqa: F401
from tests.test_workflow_services import poor_household, profiles  # noqa: F401

PAGES = [
    "/payments/?month=2026-13",
    "/payments/?month=abc&county=zz",
    "/payments/rolls/{roll}/?page=abc&kind=zzz&status=zzz",
    "/payments/rolls/999999/",
    "/payments/backpay/?county=abc",
    "/payments/receivables/?status=zzz&cause=zzz&page=-1",
    "/payments/receivables/999999/",
    "/payments/reserve/?year=abc&county=zz",
    "/payments/reserve/?year=-5",
    "/payments/reserve/report/?year=99999",
    "/payments/reserve/report.xlsx?year=abc",
    "/payments/reserve/999999/",
    "/payments/subsidies/?county=abc",
    "/payments/instalments/999999/",
    "/payments/rolls/{roll}/results/",
]
POSTS = [
    ("/payments/", {"month": "2026-99", "county": "x"}),
    ("/payments/rolls/{roll}/check/", {"version": "abc"}),
    ("/payments/rolls/{roll}/approve/", {"version": "1"}),
    ("/payments/rolls/{roll}/return/", {}),
    ("/payments/rolls/{roll}/export/", {"template": "abc"}),
    ("/payments/rolls/{roll}/results/", {}),
    ("/payments/backpay/", {"program": "nonsense", "county": "abc"}),
    ("/payments/receivables/new/", {"household": "abc", "amount": "-5", "cause": "zzz"}),
    ("/payments/reserve/allocate/", {"town": "abc", "year": "x", "residents": "-1"}),
    ("/payments/subsidies/", {"month": "2026-13", "amount_per_person": "1e9999", "programs": ["zzz"]}),
]


def test_pages_with_bad_parameters_answer_without_a_500(client, world, enrolled):  # noqa: F811
    roll = _generate(world)
    client.force_login(world.admin_a)
    for path in PAGES:
        response = client.get(path.format(roll=roll.pk))
        assert response.status_code < 500, (path, response.content[:500])


def test_bad_forms_get_a_4xx_and_change_nothing(client, world, enrolled):  # noqa: F811
    roll = _generate(world)
    client.force_login(world.admin_a)
    for path, data in POSTS:
        events = AuditEvent.objects.count()
        response = client.post(path.format(roll=roll.pk), data)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.content[:500])
        assert AuditEvent.objects.count() == events, path


API_POSTS = [
    ("/api/payments/rolls/generate/", {"county": "220623", "month": "2026-13"}),
    ("/api/payments/rolls/generate/", {"county": "220623", "month": "2026-11", "programs": ["zzz"]}),
    ("/api/payments/rolls/{roll}/check/", {"version": "abc"}),
    ("/api/payments/backpay/", {"county": "220623", "program": "zzz"}),
    ("/api/payments/subsidies/", {"county": "220623", "month": "x", "amount_per_person": "-1", "programs": []}),
    ("/api/payments/receivables/999999/repayments/", {"amount": "1"}),
    ("/api/payments/reserve/funds/999999/top-ups/", {"amount": "abc"}),
]


def test_api_bad_input_is_a_4xx_in_chinese(world, enrolled):  # noqa: F811
    roll = _generate(world)
    api = APIClient()
    api.force_authenticate(world.admin_a)
    for path, body in API_POSTS:
        events = AuditEvent.objects.count()
        response = api.post(path.format(roll=roll.pk), body, format="json")
        assert 400 <= response.status_code < 500, (path, response.status_code, response.content[:500])
        assert AuditEvent.objects.count() == events, path
        message = response.json().get("message", "")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), (path, message)
