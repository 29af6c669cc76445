"""The decision basis of an enrolment (``cases.models.basis``): written whenever a decision creates or adjusts an
enrolment, read back in bulk as batch columns by the 提标 recomputation (``cases.services.recompute``).

The basis is the evaluation's own request (the facts the decision relied on, ``Evaluation.request``) turned into
the batch path's columns with ``to_columns(..., enrolled_in=program)``: the enrolment is current, so the rigid
expense deduction at entry no longer applies and 渐退 goes to the scalar path, exactly as a re-check decides.
Only 低保 (by household) and 特困 have a batch path; other enrolments have no basis and are recomputed one by one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from cases.models import (
    Enrolment,
    EnrolmentBasis,
    EnrolmentBasisIncome,
    EnrolmentBasisPerson,
    EnrolmentBasisSupporter,
    Evaluation,
)
from eligibility.rules import batch
from eligibility.rules.facts import CurrentEnrolment, Request
from eligibility.rules.schema import EXPENSE_KINDS, INCOME_KINDS
from eligibility.rules.serialization import request_from_dict

BATCH_PROGRAMS = ("dibao", "tekun")


def enrolled_request(enrolment: Enrolment, evaluation: Evaluation, month: dt.date | None = None) -> Request:
    """The evaluation's request with ``enrolment`` as the household's current enrolment in its program (and
    ``month`` instead of the evaluated month, when given): what a re-check of the same facts would decide."""
    request = request_from_dict(evaluation.request)
    this = CurrentEnrolment(
        program=enrolment.program,
        monthly_amount=enrolment.monthly_amount,
        since=enrolment.start_month,
        category=enrolment.category,
    )
    current = (*(c for c in request.household.current if c.program != enrolment.program), this)
    household = dataclasses.replace(request.household, current=current)
    return dataclasses.replace(request, household=household, month=month or request.month)


def basis_store(enrolment: Enrolment, evaluation: Evaluation | None) -> EnrolmentBasis | None:
    """Replace ``enrolment``'s basis by the one of ``evaluation`` (called inside the deciding transaction).

    Returns ``None`` — and leaves no basis — for a program without a batch path, or without an evaluation."""
    EnrolmentBasis.objects.filter(enrolment=enrolment).delete()
    for model in (EnrolmentBasisPerson, EnrolmentBasisIncome, EnrolmentBasisSupporter):
        model.objects.filter(enrolment=enrolment).delete()
    if evaluation is None or enrolment.program not in BATCH_PROGRAMS:
        return None
    request = enrolled_request(enrolment, evaluation)
    subjects = [request.subject] if enrolment.program == "tekun" else None
    cols = batch.to_columns([request.household], subjects, enrolled_in=enrolment.program)
    subject = int(cols.subject[0])
    basis = EnrolmentBasis.objects.create(
        enrolment=enrolment,
        month=request.month,
        urban=bool(cols.urban[0]),
        financial_assets=int(cols.financial_assets[0]),
        vehicles_counted=int(cols.vehicles_counted[0]),
        vehicle_value_counted=int(cols.vehicle_value_counted[0]),
        homes_counted=int(cols.homes_counted[0]),
        centralised=bool(cols.centralised[0]),
        subject=subject if subject < 0 else subject - int(cols.offsets[0]),
        fallback=bool(cols.fallback[0]),
        **{f"rigid_{kind}": int(cols.rigid_12m[kind][0]) for kind in EXPENSE_KINDS},
    )
    school = cols.school if cols.school is not None else cols.college
    EnrolmentBasisPerson.objects.bulk_create(
        EnrolmentBasisPerson(
            enrolment=enrolment,
            position=i,
            birth_year=int(cols.birth_y[i]),
            birth_month=int(cols.birth_m[i]),
            birth_day=int(cols.birth_d[i]),
            counts=bool(cols.counts[i]),
            deceased=bool(cols.deceased[i]),
            gone=bool(cols.gone[i]),
            disability=int(cols.disability[i]),
            grade=int(cols.grade[i]),
            serious_illness=bool(cols.serious_illness[i]),
            college=bool(cols.college[i]),
            school=bool(school[i]),
            labour=int(cols.labour[i]),
            selfcare=int(cols.selfcare[i]),
        )
        for i in range(cols.persons)
    )
    EnrolmentBasisIncome.objects.bulk_create(
        EnrolmentBasisIncome(enrolment=enrolment, position=i, kind=INCOME_KINDS.index(kind), amount=int(values[i]))
        for kind, values in cols.income.items()
        for i in range(cols.persons)
        if values[i]
    )
    EnrolmentBasisSupporter.objects.bulk_create(
        EnrolmentBasisSupporter(
            enrolment=enrolment,
            birth_year=int(cols.sup_birth_y[j]),
            birth_month=int(cols.sup_birth_m[j]),
            birth_day=int(cols.sup_birth_d[j]),
            disability=int(cols.sup_disability[j]),
            grade=int(cols.sup_grade[j]),
            income=int(cols.sup_income[j]),
            tekun=bool(cols.sup_tekun[j]),
            dibao=bool(cols.sup_dibao[j]),
            gone=bool(cols.sup_gone[j]),
        )
        for j in range(len(cols.sup_hh))
    )
    return basis
