"""提标: when a new standard takes effect in a county, recompute every active enrolment's monthly amount.

:func:`enrolments_recompute` reads each enrolment's decision basis (``cases.models.basis``: the facts its last
decision relied on, as the batch path's columns) in chunks of ``chunk`` enrolments, runs the rules engine's batch
path (``eligibility.rules.batch``) with the parameters in force in the county for ``month``, and writes, in one
set-based statement per chunk, the new amount of every enrolment whose amount changes together with an
``EnrolmentChange`` (cause ``standard``, effective ``month``). What the batch path leaves to the scalar path (渐退,
the 特困 in-school continuation, enrolments without a basis, exotic facts) is decided one by one by the scalar
engine from the same facts; a result that is not a plain new amount (no longer eligible, 渐退, information missing)
changes nothing and is listed for the caseworker's 复核.

Memory is bounded by the chunk: the enrolment ids of the county (8 bytes each) and one chunk's columns.
Idempotent: an enrolment already at its new amount is left alone, so a rerun — or a run resumed after its
worker died — changes only what is left. An enrolment decided while the run reads it keeps the decision (the
write is conditional on the amount read).

PostgreSQL reads with ``COPY … TO STDOUT`` and writes through a temporary table and one ``UPDATE … RETURNING``
feeding the ``INSERT`` of the changes; other databases (SQLite for the demo) use plain queries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region, Staff
from assistance.services import can_administer_region
from audit.services import audit_record
from cases.choices import EnrolmentChangeCause, EnrolmentStatus, ProgramCode
from cases.models import Enrolment, EnrolmentChange
from cases.services.basis import BATCH_PROGRAMS, enrolled_request
from eligibility.rules import batch
from eligibility.rules.parameters import add_months
from eligibility.rules.schema import EXPENSE_KINDS, INCOME_KINDS

logger = logging.getLogger(__name__)

PROGRAMS = (ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE, ProgramCode.TEKUN)
CHUNK = 100_000
REVIEW_LISTED = 200  # enrolments named in the report for 复核 (the count is always complete)
STANDARD_NOTE = "标准调整（提标）重新核算"
RETROACTIVE_MONTHS = 12  # how far back a standard may take effect; the months paid get the difference as 补发


@dataclass
class ProgramTotals:
    considered: int = 0
    changed: int = 0
    unchanged: int = 0
    review: int = 0
    scalar: int = 0
    before_fen: int = 0
    after_fen: int = 0

    def as_dict(self) -> dict:
        return {
            "considered": self.considered,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "review": self.review,
            "scalar": self.scalar,
            "total_before": _yuan(self.before_fen),
            "total_after": _yuan(self.after_fen),
            "increase": _yuan(self.after_fen - self.before_fen),
        }


@dataclass
class RecomputeResult:
    month: dt.date
    programs: dict[str, ProgramTotals] = field(default_factory=dict)
    review: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(
        default_factory=lambda: {"read": 0.0, "compute": 0.0, "write": 0.0, "scalar": 0.0}
    )

    def totals(self, program: str) -> ProgramTotals:
        return self.programs.setdefault(program, ProgramTotals())

    def note_review(self, enrolment_id: int, program: str, why: str) -> None:
        self.totals(program).review += 1
        if len(self.review) < REVIEW_LISTED:
            self.review.append({"enrolment": enrolment_id, "program": program, "reason": why})

    def as_dict(self) -> dict:
        all_ = ProgramTotals()
        for t in self.programs.values():
            for name in ("considered", "changed", "unchanged", "review", "scalar", "before_fen", "after_fen"):
                setattr(all_, name, getattr(all_, name) + getattr(t, name))
        return {
            "month": f"{self.month:%Y-%m}",
            **all_.as_dict(),
            "programs": {p: t.as_dict() for p, t in self.programs.items()},
            "review_list": self.review,
            "seconds": {phase: round(value, 2) for phase, value in self.seconds.items()},
        }


def _yuan(fen: int) -> str:
    return f"{Decimal(int(fen)) / 100:.2f}"


# --- reading ---------------------------------------------------------------------------------------------------


_PG_HEADER = 19  # binary COPY: signature (11), flags (4), header extension length (4, zero)


def _binary_rows(data: bytes, width: int) -> np.ndarray:
    """Parse PostgreSQL's binary COPY output of ``width`` non-null bigint columns: each row is a 16-bit field
    count, then per field a 32-bit length and the 64-bit big-endian value — fixed width, so numpy reads it whole."""
    row = np.dtype(
        [("n", ">i2")] + [(name, t) for i in range(width) for name, t in ((f"l{i}", ">i4"), (f"v{i}", ">i8"))]
    )
    body = memoryview(data)[_PG_HEADER : len(data) - 2]  # the trailer is a field count of -1
    records = np.frombuffer(body, dtype=row)
    out = np.empty((len(records), width), dtype=np.int64)
    for i in range(width):
        out[:, i] = records[f"v{i}"]
    return out


def _rows(sql: str, params: list, width: int) -> np.ndarray:
    """Run ``sql`` (``width`` non-null integer columns) and return its rows as an int64 array (rows, width)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3
            columns = ", ".join(f"CAST(c{i} AS BIGINT)" for i in range(width))
            query = raw.mogrify(sql, params)
            buffer = io.BytesIO()
            names = ", ".join(f"c{i}" for i in range(width))
            with raw.copy(f"COPY (SELECT {columns} FROM ({query}) AS q ({names})) TO STDOUT (FORMAT binary)") as copy:  # noqa: S608 — the query is mogrified with its parameters
                for block in copy:
                    buffer.write(block)
            return _binary_rows(buffer.getvalue(), width)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), width)


def _binary_copy_in(columns: tuple[np.ndarray, ...]) -> bytes:
    """The binary COPY input of rows of bigint ``columns`` (the reverse of :func:`_binary_rows`)."""
    width = len(columns)
    row = np.dtype(
        [("n", ">i2")] + [(name, t) for i in range(width) for name, t in ((f"l{i}", ">i4"), (f"v{i}", ">i8"))]
    )
    records = np.empty(len(columns[0]), dtype=row)
    records["n"] = width
    for i, values in enumerate(columns):
        records[f"l{i}"] = 8
        records[f"v{i}"] = values
    return b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8 + records.tobytes() + b"\xff\xff"


def _b(column: str) -> str:
    return f"CASE WHEN {column} THEN 1 ELSE 0 END"


_TARGET = (
    "e.status = 'active' AND e.program = %s AND e.region_id IN (SELECT id FROM assistance_region WHERE path LIKE %s)"
)


def _target_ids(county: Region, program: str, with_basis: bool) -> np.ndarray:
    join = "JOIN cases_enrolmentbasis b ON b.enrolment_id = e.id" if with_basis else ""
    sql = f"SELECT e.id FROM cases_enrolment e {join} WHERE {_TARGET} ORDER BY e.id"  # noqa: S608 — constants only
    return _rows(sql, [program, county.path + "%"], 1)[:, 0]


HH_COLUMNS = (
    "e.id",
    "CAST(ROUND(e.monthly_amount * 100) AS BIGINT)",
    _b("b.urban"),
    "b.financial_assets",
    "b.vehicles_counted",
    "b.vehicle_value_counted",
    "b.homes_counted",
    _b("b.centralised"),
    "b.subject",
    _b("b.fallback"),
    *(f"b.rigid_{kind}" for kind in EXPENSE_KINDS),
)
PERSON_COLUMNS = (
    "p.enrolment_id",
    "p.birth_year",
    "p.birth_month",
    "p.birth_day",
    _b("p.counts"),
    _b("p.deceased"),
    _b("p.gone"),
    "p.disability",
    "p.grade",
    _b("p.serious_illness"),
    _b("p.college"),
    _b("p.school"),
    "p.labour",
    "p.selfcare",
)
SUPPORTER_COLUMNS = (
    "s.enrolment_id",
    "s.birth_year",
    "s.birth_month",
    "s.birth_day",
    "s.disability",
    "s.grade",
    "s.income",
    _b("s.tekun"),
    _b("s.dibao"),
    _b("s.gone"),
)


def _chunk_columns(
    county: Region, program: str, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray, batch.HouseholdColumns]:
    """The batch columns of the enrolments with a basis whose id is in [lo, hi]; returns (ids, old fen, columns)."""
    where = f"{_TARGET} AND e.id BETWEEN %s AND %s"
    params = [program, county.path + "%", lo, hi]
    hh = _rows(
        f"SELECT {', '.join(HH_COLUMNS)} FROM cases_enrolment e JOIN cases_enrolmentbasis b ON b.enrolment_id = e.id "  # noqa: S608 — constant SQL fragments; values are parameters
        f"WHERE {where} ORDER BY e.id",
        params,
        len(HH_COLUMNS),
    )
    # The basis rows of the id range, without a join: rows of other enrolments in the range (another county,
    # program or status) are dropped below by id.
    span = [lo, hi]
    people = _rows(
        f"SELECT {', '.join(PERSON_COLUMNS)} FROM cases_enrolmentbasisperson p "  # noqa: S608 — constant fragments
        "WHERE p.enrolment_id BETWEEN %s AND %s ORDER BY p.enrolment_id, p.position",
        span,
        len(PERSON_COLUMNS),
    )
    incomes = _rows(
        "SELECT i.enrolment_id, i.position, i.kind, i.amount FROM cases_enrolmentbasisincome i "
        "WHERE i.enrolment_id BETWEEN %s AND %s",
        span,
        4,
    )
    supporters = _rows(
        f"SELECT {', '.join(SUPPORTER_COLUMNS)} FROM cases_enrolmentbasissupporter s "  # noqa: S608 — constant fragments
        "WHERE s.enrolment_id BETWEEN %s AND %s ORDER BY s.enrolment_id, s.id",
        span,
        len(SUPPORTER_COLUMNS),
    )
    ids = hh[:, 0]

    def ours(rows: np.ndarray) -> np.ndarray:
        if not len(ids):
            return rows[:0]
        at = np.minimum(np.searchsorted(ids, rows[:, 0]), len(ids) - 1)
        return rows[ids[at] == rows[:, 0]]

    people, incomes, supporters = ours(people), ours(incomes), ours(supporters)
    person_hh = np.searchsorted(ids, people[:, 0])
    offsets = np.searchsorted(people[:, 0], ids)
    # A basis always has at least one person row (``to_columns`` keeps empty households non-empty).
    empty = offsets >= len(people)
    if len(people):
        empty |= people[np.minimum(offsets, len(people) - 1), 0] != ids
    fallback = hh[:, 9].astype(bool) | empty
    offsets = np.minimum(offsets, max(len(people) - 1, 0))
    income: dict[str, np.ndarray] = {}
    if len(incomes):
        where_person = offsets[np.searchsorted(ids, incomes[:, 0])] + incomes[:, 1]
        for code in np.unique(incomes[:, 2]):
            chosen = incomes[:, 2] == code
            values = np.zeros(len(people), dtype=np.int64)
            values[where_person[chosen]] = incomes[chosen, 3]  # one row per person and kind (basis_store)
            income[INCOME_KINDS[int(code)]] = values
    subject = np.where(hh[:, 8] >= 0, offsets + hh[:, 8], -1)
    i8 = np.int8
    cols = batch.HouseholdColumns(
        urban=hh[:, 2].astype(bool),
        financial_assets=hh[:, 3],
        vehicles_counted=hh[:, 4],
        vehicle_value_counted=hh[:, 5],
        homes_counted=hh[:, 6],
        rigid_12m={kind: hh[:, 10 + k] for k, kind in enumerate(EXPENSE_KINDS)},
        centralised=hh[:, 7].astype(bool),
        subject=subject,
        fallback=fallback,
        offsets=offsets,
        person_hh=person_hh,
        birth_y=people[:, 1],
        birth_m=people[:, 2],
        birth_d=people[:, 3],
        counts=people[:, 4].astype(bool),
        deceased=people[:, 5].astype(bool),
        gone=people[:, 6].astype(bool),
        disability=people[:, 7].astype(i8),
        grade=people[:, 8].astype(i8),
        serious_illness=people[:, 9].astype(bool),
        college=people[:, 10].astype(bool),
        labour=people[:, 12].astype(i8),
        selfcare=people[:, 13].astype(i8),
        income=income,
        sup_hh=np.searchsorted(ids, supporters[:, 0]),
        sup_birth_y=supporters[:, 1],
        sup_birth_m=supporters[:, 2],
        sup_birth_d=supporters[:, 3],
        sup_disability=supporters[:, 4].astype(i8),
        sup_grade=supporters[:, 5].astype(i8),
        sup_income=supporters[:, 6],
        sup_tekun=supporters[:, 7].astype(bool),
        sup_dibao=supporters[:, 8].astype(bool),
        sup_gone=supporters[:, 9].astype(bool),
        enrolled=np.ones(len(ids), dtype=bool),
        school=people[:, 11].astype(bool),
    )
    return ids, hh[:, 1], cols


# --- writing ---------------------------------------------------------------------------------------------------


def _write(ids: np.ndarray, old: np.ndarray, new: np.ndarray, month: dt.date) -> int:
    """Set the new amounts (fen) of the enrolments ``ids`` still at ``old`` and record their changes; return how
    many changed. One transaction."""
    if not len(ids):
        return 0
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Dropped at commit; dropped first too, as a caller's outer transaction may still hold one.
            cursor.execute("DROP TABLE IF EXISTS recompute_new")
            cursor.execute(
                "CREATE TEMPORARY TABLE recompute_new (id bigint PRIMARY KEY, old bigint, new bigint) ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY recompute_new (id, old, new) FROM STDIN (FORMAT binary)") as copy:
                copy.write(_binary_copy_in((ids, old, new)))
            cursor.execute("ANALYZE recompute_new")  # else the planner guesses and scans every enrolment per chunk
            cursor.execute(
                """
                WITH changed AS (
                    UPDATE cases_enrolment e
                       SET monthly_amount = t.new / 100.0, version = e.version + 1, updated_at = %s
                      FROM recompute_new t
                     WHERE e.id = t.id AND e.status = 'active' AND e.monthly_amount = t.old / 100.0
                 RETURNING e.id, t.old, t.new, e.category
                )
                INSERT INTO cases_enrolmentchange
                    (enrolment_id, effective_month, amount, previous_amount, category, status, cause, note, created_at)
                SELECT id, %s, new / 100.0, old / 100.0, category, 'active', %s, %s, %s FROM changed
                """,
                [now, month, EnrolmentChangeCause.STANDARD, STANDARD_NOTE, now],
            )
            return cursor.rowcount
        changed = 0
        for enrolment_id, before, after in zip(ids.tolist(), old.tolist(), new.tolist(), strict=True):
            before_d, after_d = Decimal(before) / 100, Decimal(after) / 100
            rows = Enrolment.objects.filter(
                pk=enrolment_id, status=EnrolmentStatus.ACTIVE, monthly_amount=before_d
            ).update(monthly_amount=after_d, version=F("version") + 1, updated_at=now)
            if rows:
                enrolment = Enrolment.objects.only("category").get(pk=enrolment_id)
                EnrolmentChange.objects.create(
                    enrolment_id=enrolment_id,
                    effective_month=month,
                    amount=after_d,
                    previous_amount=before_d,
                    category=enrolment.category,
                    status=EnrolmentStatus.ACTIVE,
                    cause=EnrolmentChangeCause.STANDARD,
                    note=STANDARD_NOTE,
                )
                changed += 1
        return changed


# --- the run ---------------------------------------------------------------------------------------------------

REVIEW_REASONS = {
    batch.INELIGIBLE: "按新标准不再符合条件",
    batch.NEEDS_INFORMATION: "核定依据信息不全",
}


def _scalar(
    enrolment_ids: list[int],
    county: Region,
    month: dt.date,
    result: RecomputeResult,
    on_progress: Callable[[int], None] | None,
) -> None:
    """Decide ``enrolment_ids`` one by one with the scalar engine, from their last decision's facts."""
    from eligibility.calculator import Jurisdiction, evaluate_request

    for start in range(0, len(enrolment_ids), 500):
        page = list(
            Enrolment.objects.filter(pk__in=enrolment_ids[start : start + 500]).select_related(
                "evaluation", "application"
            )
        )
        writes: dict[str, list[tuple[int, int, int]]] = {}
        # The latest change other than a 提标 one: after a life event (death, imprisonment…) the amount rests on
        # no decision yet, so it is left to the 复核 (the events service also drops the basis).
        last_cause: dict[int, str] = {}
        for enrolment_id, cause in (
            EnrolmentChange.objects.filter(enrolment_id__in=[e.pk for e in page])
            .exclude(cause=EnrolmentChangeCause.STANDARD)
            .order_by("enrolment_id", "-id")
            .values_list("enrolment_id", "cause")
        ):
            last_cause.setdefault(enrolment_id, cause)
        for enrolment in page:
            totals = result.totals(enrolment.program)
            totals.scalar += 1
            before = batch.fen(enrolment.monthly_amount)
            totals.before_fen += before
            if last_cause.get(enrolment.pk) == EnrolmentChangeCause.EVENT:
                totals.after_fen += before
                result.note_review(enrolment.pk, enrolment.program, "生命事件后金额尚未经复核确认，请先复核")
                continue
            request = enrolled_request(enrolment, enrolment.evaluation, month)
            jurisdiction = Jurisdiction(profile=enrolment.application.profile, name=county.name, county=county)
            try:
                decision = evaluate_request(request, jurisdiction)
            except (ApplicationError, ValueError) as error:
                totals.after_fen += before
                result.note_review(enrolment.pk, enrolment.program, str(error))
                continue
            outcome = str(decision.outcome)
            if outcome != "eligible" or decision.exit_schedule:
                totals.after_fen += before
                why = {"ineligible": "按新标准不再符合条件", "needs_information": "核定依据信息不全"}.get(
                    outcome, "按新标准进入渐退，请复核"
                )
                result.note_review(enrolment.pk, enrolment.program, why)
                continue
            after = batch.fen(decision.amount)
            totals.after_fen += after
            if after == before:
                totals.unchanged += 1
            else:
                writes.setdefault(enrolment.program, []).append((enrolment.pk, before, after))
        for program, rows in writes.items():
            ids, old, new = (np.asarray(column, dtype=np.int64) for column in zip(*rows, strict=True))
            result.totals(program).changed += _write(ids, old, new, month)
        if on_progress is not None:
            on_progress(len(page))


def recompute_plan(*, county: Region) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Per program: the ids of the county's active enrolments with a basis (batch path) and without (scalar)."""
    plan = []
    for program in PROGRAMS:
        every = _target_ids(county, program, with_basis=False)
        with_basis = _target_ids(county, program, with_basis=True) if program in BATCH_PROGRAMS else every[:0]
        plan.append((str(program), with_basis, np.setdiff1d(every, with_basis, assume_unique=True)))
    return plan


def enrolments_recompute(
    *,
    actor: Staff,
    county: Region,
    month: dt.date,
    chunk: int = CHUNK,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> RecomputeResult:
    """Recompute the monthly amount of every active 低保/特困 enrolment of ``county`` with the parameters in force
    for ``month`` (the first month the new standard applies); changes take effect from ``month``.

    ``on_total(n)`` is called once with the number of enrolments, ``on_progress(k)`` after every chunk with the
    number just done (job progress and heartbeat). Returns the totals (also audited)."""
    from eligibility.selectors import parameter_set_for

    month = month.replace(day=1)
    params = parameter_set_for(county=county, month=month)
    bp = batch.BatchParams.from_parameter_set(params)
    plan = recompute_plan(county=county)
    if on_total is not None:
        on_total(sum(len(a) + len(b) for _, a, b in plan))
    result = RecomputeResult(month=month)
    for program, with_basis, without in plan:
        totals = result.totals(program)
        totals.considered = len(with_basis) + len(without)
        scalar_ids: list[int] = []
        evaluate = batch.evaluate_dibao_batch if program == "dibao" else batch.evaluate_tekun_batch
        for k in range(0, len(with_basis), chunk):
            lo, hi = int(with_basis[k]), int(with_basis[min(k + chunk, len(with_basis)) - 1])
            clock = time.perf_counter()
            ids, old, cols = _chunk_columns(county, program, lo, hi)
            result.seconds["read"] += time.perf_counter() - clock
            clock = time.perf_counter()
            outcome_amount = evaluate(cols, bp)
            outcome, amount = outcome_amount.outcome, outcome_amount.amount
            decided = outcome != batch.SCALAR
            eligible = outcome == batch.ELIGIBLE
            totals.before_fen += int(old[decided].sum())
            totals.after_fen += int(np.where(eligible, amount, old)[decided].sum())
            totals.unchanged += int((eligible & (amount == old)).sum())
            for code, why in REVIEW_REASONS.items():
                for enrolment_id in ids[outcome == code][:REVIEW_LISTED].tolist():
                    result.note_review(enrolment_id, program, why)
                totals.review += max(int((outcome == code).sum()) - REVIEW_LISTED, 0)
            moved = eligible & (amount != old)
            result.seconds["compute"] += time.perf_counter() - clock
            clock = time.perf_counter()
            totals.changed += _write(ids[moved], old[moved], amount[moved], month)
            result.seconds["write"] += time.perf_counter() - clock
            scalar_ids.extend(ids[~decided].tolist())
            if on_progress is not None:
                on_progress(int(decided.sum()))
        clock = time.perf_counter()
        _scalar(scalar_ids + without.tolist(), county, month, result, on_progress)
        result.seconds["scalar"] += time.perf_counter() - clock
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="enrolment.recompute",
            target=county,
            region=county,
            after={key: value for key, value in result.as_dict().items() if key != "review_list"},
            note=f"{month:%Y年%m月}起按新标准重新核算在保金额",
        )
    return result


# --- starting a run --------------------------------------------------------------------------------------------


def standards_fingerprint(county: Region, month: dt.date) -> str:
    """A short digest of the parameter versions in force in ``county`` for ``month``: a new approved standard
    gives a new digest, so a second run for the same month is a new job only when the standards changed."""
    from eligibility.selectors import parameter_set_for

    params = parameter_set_for(county=county, month=month)
    in_force = []
    for key in sorted(params.timelines):
        try:
            in_force.append(f"{key}={params.at(key, month).version_id}")
        except LookupError:
            continue
    return hashlib.sha256("\n".join(in_force).encode()).hexdigest()[:12]


def recompute_month_default(on: dt.date) -> dt.date:
    """The month a run started on ``on`` applies from by default: the next month (this month is being paid)."""
    return add_months(on.replace(day=1), 1)


@transaction.atomic
def standard_recompute_start(
    *, actor: Staff, county: Region, month: dt.date, trigger: str = "user", retroactive: bool = False
):
    """Start (or find) the 提标 recomputation of ``county`` from ``month``; return ``(job, created)``.

    Only the county's administrator (or a superuser) may start it; ``month`` is this month or later (the
    difference for months already paid is a back payment, not a recomputation) — unless ``retroactive``: a standard
    raised with retroactive effect (追溯提标) may start up to 12 months back; the difference of the months already
    paid is then paid through an adjustment roll (``payments.services.backpay``). The job's key names the county,
    the month and the standards in force, so starting twice finds the same job; the Celery task
    ``cases.standard_recompute`` runs it once the transaction commits."""
    from assistance.jobs import job_start
    from assistance.roles import RegionLevel

    if county.level != RegionLevel.COUNTY:
        raise ApplicationError("请选择县（市、区）", code="invalid", fields={"county": ["必须是县级区划"]})
    if not can_administer_region(actor, county):
        raise PermissionRefused("只有本县（市、区）的管理员可以发起提标重算")
    month = month.replace(day=1)
    this_month = timezone.localdate().replace(day=1)
    if month < this_month and not retroactive:
        raise ApplicationError(
            "提标重算只能从本月或以后的月份起生效；已发放月份的差额请按补发处理",
            code="invalid",
            fields={"month": ["不能早于本月"]},
        )
    if month < add_months(this_month, -RETROACTIVE_MONTHS):
        raise ApplicationError(
            f"追溯生效最多追溯 {RETROACTIVE_MONTHS} 个月",
            code="invalid",
            fields={"month": [f"不能早于{add_months(this_month, -RETROACTIVE_MONTHS):%Y年%m月}"]},
        )
    retro = bool(retroactive)
    fingerprint = standards_fingerprint(county, month)
    job, created = job_start(
        actor=actor,
        kind="standard_recompute",
        key=f"standard_recompute:{county.code}:{month:%Y-%m}:{fingerprint}" + (":retro" if retro else ""),
        label=f"{county.name}提标重算（{month:%Y年%m月}起{'，追溯生效' if retro and month < this_month else ''}）",
        county=county,
        params={"county": county.code, "month": f"{month:%Y-%m}", "standards": fingerprint, "retroactive": retro},
        trigger=trigger,
    )
    if created:
        from cases.tasks import standard_recompute

        transaction.on_commit(lambda: standard_recompute.delay(job.pk))
    return job, created
