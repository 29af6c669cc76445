"""Pages of long-running jobs (后台任务): the list, one job, and the progress fragment htmx polls."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assistance.job_selectors import job_get_for, job_list_for
from assistance.models import Job, JobStatus

PAGE_SIZE = 50
# How often a page asks for the progress of an unfinished job.
POLL_EVERY = "2s"

_FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


# Chinese names of the keys jobs write into their parameters and results (unknown keys are shown as they are).
KEY_LABELS = {
    "day": "日期",
    "batch": "每批数量",
    "rechecks_opened": "开启定期核查（件）",
    "enrolments_ended": "到期停保（户/人）",
    "amounts_changed": "按渐退计划调整金额（户/人）",
    "overdue_flagged": "新标记超期申请（件）",
    "tekun_minors_recorded": "特困未成年人年满18周岁（人）",
    "tekun_minors_ended": "其中终止供养（人）",
    # 提标重算 (cases.services.recompute)
    "county": "县（市、区）代码",
    "month": "新标准生效月份",
    "standards": "标准版本摘要",
    "considered": "在保对象（户/人）",
    "changed": "金额调整（户/人）",
    "unchanged": "金额不变（户/人）",
    "review": "需复核（户/人）",
    "scalar": "逐户计算（户/人）",
    "total_before": "调整前月发放合计（元）",
    "total_after": "调整后月发放合计（元）",
    "increase": "月发放增加（元）",
    "programs": "分项目",
    "review_list": "需复核的在保对象（前 200 条）",
    "seconds": "分段用时（秒）",
    # 发放花名册生成 (payments.tasks.generate_rolls)
    "rolls": "生成的花名册",
    "lines": "明细合计（笔）",
    "skipped": "未重新生成（已审批冻结或已由其他任务接手）",
    # 回盘文件导入 (payments.tasks_reconcile.process_result_import)
    "roll": "花名册",
    "rows": "回盘行数",
    "paid": "成功笔数",
    "paid_fen": "成功金额（分）",
    "failed": "失败笔数",
    "failed_fen": "失败金额（分）",
    "unmatched": "未匹配行数",
    "roll_status": "花名册状态",
    "receivables": "登记的应追回款（已到账但不应发放）",
}


def job_is_finished(job: Job) -> bool:
    return job.status in _FINISHED


def _readable(value: Any) -> str:
    """Show a result value as people read it: scalars as they are, anything nested as JSON."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=1)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


@login_required
@require_GET
def job_list(request):
    """The jobs the user may see, each with its live progress bar (running ones poll)."""
    jobs = job_list_for(actor=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for job in rows:
        job.finished = job_is_finished(job)
    context = {
        "page": page,
        "rows": rows,
        "page_numbers": page.paginator.get_elided_page_range(page.number),
        "query": "",
        "poll_every": POLL_EVERY,
    }
    return render(request, "jobs/job_list.html", context)


@login_required
@require_GET
def job_detail(request, pk: int):
    """One job: what it is, who started it, its progress, its result or why it failed."""
    job = job_get_for(actor=request.user, pk=pk)
    job.finished = job_is_finished(job)
    result = job.result if isinstance(job.result, dict) else {"结果": job.result}
    context = {
        "job": job,
        "result_items": [(KEY_LABELS.get(key, key), _readable(value)) for key, value in result.items()],
        "params_items": [(KEY_LABELS.get(key, key), _readable(value)) for key, value in (job.params or {}).items()],
        "poll_every": POLL_EVERY,
        "from_detail": True,
    }
    return render(request, "jobs/job_detail.html", context)


@login_required
@require_GET
def job_progress(request, pk: int):
    """The progress bar of one job (htmx fragment). While the job is unfinished the fragment asks for itself
    again every 2 s; once finished it carries no trigger, so polling stops. Polled from the detail page, a
    job that has just finished reloads the page so its result or error is shown."""
    job = job_get_for(actor=request.user, pk=pk)
    job.finished = job_is_finished(job)
    from_detail = request.GET.get("from") == "detail"
    context = {
        "job": job,
        "poll_every": POLL_EVERY,
        "from_detail": from_detail,
        "oob": bool(request.headers.get("HX-Request")),
    }
    response = render(request, "jobs/_progress.html", context)
    if from_detail and job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response
