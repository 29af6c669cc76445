"""Long-running jobs (后台任务): the services that start, claim, advance and end them, the pages that show
their progress, and who may see which job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance import jobs
from assistance.job_selectors import job_list_for
from assistance.jobs import job_claim, job_fail, job_finish, job_progress, job_start
from assistance.models import Job, JobStatus
from assistance.services import system_actor
from audit.models import AuditEvent


def start(world, *, key="recompute:a", county=None, actor=None, trigger="user", label="重新核算长白县保障金"):
    job, _ = job_start(
        actor=actor or world.reviewer_a,
        kind="recompute",
        key=key,
        label=label,
        county=county or world.county_a,
        trigger=trigger,
    )
    return job


def running(world, *, key="recompute:a", total=10, done=0, failed=0, **kwargs) -> Job:
    job = start(world, key=key, **kwargs)
    job_claim(job_id=job.pk)
    job_progress(job_id=job.pk, total=total, done=done, failed=failed)
    job.refresh_from_db()
    return job


# --- services ----------------------------------------------------------------------------------------


def test_job_start_is_idempotent_per_key(world):
    first, created = job_start(
        actor=world.reviewer_a, kind="recompute", key="recompute:a", label="重新核算", county=world.county_a
    )
    again, created_again = job_start(
        actor=world.reviewer_a, kind="recompute", key="recompute:a", label="重新核算", county=world.county_a
    )

    assert created and not created_again
    assert again.pk == first.pk
    assert first.status == JobStatus.PENDING and first.started_by == world.reviewer_a
    assert Job.objects.count() == 1
    assert AuditEvent.objects.filter(action="job.start").count() == 1


def test_a_failed_job_started_again_is_pending(world):
    job = start(world)
    job_claim(job_id=job.pk)
    job_fail(job_id=job.pk, error="数据库连接中断")

    again, created = job_start(
        actor=world.reviewer_a, kind="recompute", key="recompute:a", label="重新核算", county=world.county_a
    )

    assert created and again.pk == job.pk
    again.refresh_from_db()
    assert again.status == JobStatus.PENDING
    assert again.error == "" and again.finished_at is None
    assert again.attempts == 1  # kept
    assert AuditEvent.objects.filter(action="job.start").count() == 2


def test_a_failed_job_run_again_counts_its_progress_afresh(world):
    """A rerun counts from zero; the counts of the failed run must not push ``done`` past ``total``."""
    job = running(world, total=10, done=4, failed=1)
    job_fail(job_id=job.pk, error="中断")
    job_start(actor=world.reviewer_a, kind="recompute", key="recompute:a", label="重新核算", county=world.county_a)

    job_claim(job_id=job.pk)
    job_progress(job_id=job.pk, total=10)
    job_progress(job_id=job.pk, done=10)

    job.refresh_from_db()
    assert (job.total, job.done, job.failed, job.attempts) == (10, 10, 0, 2)


def test_claim_takes_a_pending_job_once(world):
    job = start(world)

    claimed = job_claim(job_id=job.pk)

    assert claimed is not None
    assert claimed.status == JobStatus.RUNNING and claimed.attempts == 1
    assert claimed.started_at is not None and claimed.heartbeat_at is not None
    # a second worker (a redelivered message) while the first is alive gets nothing
    assert job_claim(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_running_job_with_a_stale_heartbeat_is_claimed_again(world):
    job = start(world)
    job_claim(job_id=job.pk)
    # given: the worker died more than STALE_AFTER ago
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - jobs.STALE_AFTER - dt.timedelta(seconds=1))

    # when
    claimed = job_claim(job_id=job.pk)

    # then
    assert claimed is not None and claimed.attempts == 2 and claimed.status == JobStatus.RUNNING


def test_a_heartbeat_just_inside_stale_after_keeps_the_claim(world):
    job = start(world)
    job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - jobs.STALE_AFTER + dt.timedelta(seconds=30))

    assert job_claim(job_id=job.pk) is None


def test_finished_jobs_are_not_claimed(world):
    done_job = start(world, key="a")
    job_claim(job_id=done_job.pk)
    job_finish(job_id=done_job.pk, result={"households": 3})
    failed_job = start(world, key="b")
    job_claim(job_id=failed_job.pk)
    job_fail(job_id=failed_job.pk, error="x")

    assert job_claim(job_id=done_job.pk) is None
    assert job_claim(job_id=failed_job.pk) is None


def test_progress_adds_done_and_failed_and_sets_total(world):
    job = start(world)
    job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=1))

    job_progress(job_id=job.pk, total=10)
    job_progress(job_id=job.pk, done=3, failed=1)
    job_progress(job_id=job.pk, done=4)

    job.refresh_from_db()
    assert (job.total, job.done, job.failed) == (10, 7, 1)
    assert job.percent == 70
    assert timezone.now() - job.heartbeat_at < dt.timedelta(seconds=30)


def test_finish_records_the_result_and_an_audit_event(world):
    job = running(world, done=10)

    job_finish(job_id=job.pk, result={"households": 10, "changed": 2})

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.finished_at is not None
    assert job.result == {"households": 10, "changed": 2}
    assert job.percent == 100
    event = AuditEvent.objects.get(action="job.finish")
    assert event.actor == system_actor()
    assert event.region == world.county_a


def test_fail_records_the_reason_and_an_audit_event(world):
    job = running(world, done=4)

    job_fail(job_id=job.pk, error="标准未批准：长白县 2025 年城市低保标准")

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error == "标准未批准：长白县 2025 年城市低保标准"
    event = AuditEvent.objects.get(action="job.fail")
    assert event.actor == system_actor()
    assert "标准未批准" in event.note


# --- who sees which job ------------------------------------------------------------------------------


def test_county_roles_see_their_county_and_others_only_their_own(world):
    a = start(world, key="a", actor=system_actor(), trigger="beat")
    b = start(world, key="b", county=world.county_b, actor=system_actor(), trigger="beat")
    own = start(world, key="c", county=world.county_b, actor=world.caseworker_a1)

    def visible(actor):
        return set(job_list_for(actor=actor).values_list("pk", flat=True))

    assert visible(world.reviewer_a) == {a.pk}
    assert visible(world.admin_a) == {a.pk}
    assert visible(world.auditor_a) == {a.pk}
    assert visible(world.reviewer_b) == {b.pk, own.pk}
    assert visible(world.caseworker_a1) == {own.pk}  # not the jobs of their county
    assert visible(world.assistant_a1) == set()


# --- pages -------------------------------------------------------------------------------------------


def test_list_shows_each_job_with_its_progress(client, world):
    job = running(world, total=8, done=2, failed=1)
    beat = start(world, key="daily", actor=system_actor(), trigger="beat", label="每日到期提醒")
    client.force_login(world.reviewer_a)

    response = client.get(reverse("job-list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "重新核算长白县保障金" in html and "每日到期提醒" in html
    assert 'aria-valuenow="25"' in html and "width: 25%" in html
    assert 'role="progressbar"' in html
    assert "定时任务" in html  # a beat job is shown as started by the schedule
    assert "失败 1" in html
    assert reverse("job-detail", args=[job.pk]) in html
    # both unfinished rows poll their own progress
    assert f'hx-get="{reverse("job-progress", args=[job.pk])}"' in html
    assert f'hx-get="{reverse("job-progress", args=[beat.pk])}"' in html
    assert html.count('hx-trigger="every 2s"') == 2


def test_list_does_not_poll_finished_jobs(client, world):
    job = running(world, done=10)
    job_finish(job_id=job.pk, result={})
    client.force_login(world.reviewer_a)

    html = client.get(reverse("job-list")).content.decode()

    assert 'aria-valuenow="100"' in html
    assert "hx-trigger" not in html


def test_progress_fragment_polls_while_running_and_stops_when_finished(client, world):
    job = running(world, total=4, done=1)
    client.force_login(world.reviewer_a)
    url = reverse("job-progress", args=[job.pk])

    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in html and f'hx-get="{url}"' in html
    assert 'aria-valuenow="25"' in html
    assert f'id="job-status-{job.pk}" hx-swap-oob="true"' in html  # the status badge follows along
    assert "<html" not in html  # a fragment, not a page

    job_progress(job_id=job.pk, done=3)
    job_finish(job_id=job.pk, result={"households": 4})

    response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "hx-trigger" not in html and "hx-get" not in html
    assert 'aria-valuenow="100"' in html
    assert "HX-Refresh" not in response  # the list keeps its place
    # polled from the detail page, a job that just finished reloads it to show the result
    assert client.get(url + "?from=detail", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_detail_shows_every_fact_and_the_result(client, world):
    job = running(world, total=10, done=10)
    job_finish(job_id=job.pk, result={"households": 10, "changed": 2, "by_program": {"dibao": 2}})
    client.force_login(world.admin_a)

    response = client.get(reverse("job-detail", args=[job.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "已完成" in html and "recompute:a" in html and "rev_a" in html
    # unknown keys as they are, known ones by their Chinese name
    assert "<dt>households</dt>" in html and "<dt>金额调整（户/人）</dt>" in html
    assert "&quot;dibao&quot;: 2" in html  # nested values shown as JSON
    assert 'aria-valuenow="100"' in html
    assert "hx-trigger" not in html
    assert "alert-danger" not in html


def test_detail_of_a_running_job_polls_with_a_reload_on_finish(client, world):
    job = running(world, total=3, done=1)
    client.force_login(world.reviewer_a)

    html = client.get(reverse("job-detail", args=[job.pk])).content.decode()

    assert f'hx-get="{reverse("job-progress", args=[job.pk])}?from=detail"' in html
    assert 'hx-trigger="every 2s"' in html
    assert 'aria-valuenow="33"' in html


def test_a_failed_job_shows_why(client, world):
    job = running(world, total=10, done=4, failed=2)
    job_fail(job_id=job.pk, error="标准未批准：长白县 2025 年城市低保标准")
    client.force_login(world.reviewer_a)

    html = client.get(reverse("job-detail", args=[job.pk])).content.decode()

    assert "alert-danger" in html and 'data-testid="job-error"' in html
    assert "标准未批准：长白县 2025 年城市低保标准" in html
    assert 'aria-valuenow="40"' in html and "bg-danger" in html
    assert "hx-trigger" not in html


def test_another_countys_job_is_not_found(client, world):
    job = start(world, county=world.county_b, actor=world.reviewer_b)
    client.force_login(world.reviewer_a)

    for name in ("job-detail", "job-progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.get(reverse("job-detail", args=[999999])).status_code == 404
    assert "重新核算" not in client.get(reverse("job-list")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    job = start(world)
    for url in (reverse("job-list"), reverse("job-detail", args=[job.pk]), reverse("job-progress", args=[job.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("staff", "shown"),
    [
        ("reviewer_a", True),
        ("admin_a", True),
        ("auditor_a", True),
        ("caseworker_a1", False),
        ("assistant_a1", False),
    ],
)
def test_nav_link_for_roles_that_watch_jobs(client, world, staff, shown):
    client.force_login(getattr(world, staff))

    html = client.get(reverse("dashboard")).content.decode()

    assert ('data-testid="nav-jobs"' in html) is shown


def test_list_queries_do_not_grow_with_jobs(client, world, django_assert_max_num_queries):
    client.force_login(world.reviewer_a)
    for i in range(2):
        running(world, key=f"k{i}", total=5, done=i)
    client.get(reverse("job-list"))  # warm the session and caches
    with django_assert_max_num_queries(100) as two:
        client.get(reverse("job-list"))
    for i in range(2, 8):
        running(world, key=f"k{i}", total=5, done=1, actor=system_actor(), trigger="beat")

    with django_assert_max_num_queries(len(two)):
        html = client.get(reverse("job-list")).content.decode()
    assert html.count("data-job=") == 8


# --- admin -------------------------------------------------------------------------------------------


def test_admin_lists_jobs_read_only_within_the_county(client, world):
    mine = start(world, key="a", label="长白县任务")
    start(world, key="b", county=world.county_b, actor=world.reviewer_b, label="抚松县任务")
    client.force_login(world.admin_a)

    changelist = client.get(reverse("admin:assistance_job_changelist"))

    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "长白县任务" in html and "抚松县任务" not in html
    assert client.get(reverse("admin:assistance_job_add")).status_code == 403
    assert client.get(reverse("admin:assistance_job_change", args=[mine.pk])).status_code == 200
    other = Job.objects.get(key="b")
    assert client.get(reverse("admin:assistance_job_change", args=[other.pk])).status_code in (302, 404)
    assert client.post(reverse("admin:assistance_job_delete", args=[mine.pk]), {"post": "yes"}).status_code == 403
    assert Job.objects.filter(pk=mine.pk).exists()


def test_superuser_sees_every_job_including_those_of_no_county(client, world):
    from assistance.models import Staff

    root = Staff.objects.create_superuser(username="root", password="x-pass-12345")
    job, _ = job_start(actor=world.caseworker_b1, kind="export", key="export:all", label="全省导出", trigger="api")
    start(world, key="b", county=world.county_b, actor=world.reviewer_b)
    client.force_login(root)

    html = client.get(reverse("job-list")).content.decode()

    assert html.count("data-job=") == 2
    assert "全省导出" in html and "（接口）" in html
    assert client.get(reverse("job-detail", args=[job.pk])).status_code == 200
    assert 'data-testid="nav-jobs"' in html
