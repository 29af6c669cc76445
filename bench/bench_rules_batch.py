"""Time the batch path of the rules (``eligibility.rules.batch``) on 1 000 000 generated households.

    .venv/bin/python bench/bench_rules_batch.py [--households 1000000] [--scalar 20000] [--profile changbai]
        [--month 2026-07] [--repeat 3]

The columns are generated directly as numpy arrays (``batch.generate_columns``, ~2.7 members per household), then
the full 低保 (new applications: income with exempt kinds and job-cost deduction, rigid-expense deduction where the
profile allows it, per-capita test, property test, gap × members, floor, supplements, rounding) and 特困 (three
conditions with supporters, basic living + care, rounding) rule sets run over them with one profile × month. The
compute time (parameters read once, both programs; the best of ``--repeat`` runs) is printed, next to the scalar
path's (``engine.evaluate`` with explanations) time per household measured on ``--scalar`` random households and
extrapolated to the same count. No database is needed.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from eligibility.rules import batch
from eligibility.rules.engine import evaluate
from eligibility.rules.facts import Request
from eligibility.rules.profile_data import load_documents, parameter_set
from tests.eligibility.test_batch_agreement import random_household


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--scalar", type=int, default=20_000, help="households for the scalar path's timing")
    parser.add_argument("--profile", default="changbai")
    parser.add_argument("--month", default="2026-07")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    year, month_number = (int(x) for x in args.month.split("-"))
    month = datetime.date(year, month_number, 1)
    params = parameter_set(load_documents(), args.profile, month)

    started = time.perf_counter()
    cols = batch.generate_columns(args.households, seed=args.seed, month=month)
    print(
        f"生成 {cols.n:,} 户 {cols.persons:,} 人 {len(cols.sup_hh):,} 名义务人的列数据："
        f"{time.perf_counter() - started:.2f} s（不计入计算时间）"
    )

    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        bp = batch.BatchParams.from_parameter_set(params)
        dibao = batch.evaluate_dibao_batch(cols, bp)
        tekun = batch.evaluate_tekun_batch(cols, bp)
        runs.append(time.perf_counter() - started)
    best = min(runs)
    for name, result in (("低保", dibao), ("特困", tekun)):
        counts = np.bincount(result.outcome, minlength=4)
        summary = "、".join(f"{batch.OUTCOME_NAMES[i]} {counts[i]:,}" for i in range(4))
        total = int(result.amount.sum())
        print(f"{name}：{summary}；月度金额合计 {total // 100:,}.{total % 100:02d} 元")
    print(
        f"批量计算（{args.profile} {month:%Y-%m}，低保 + 特困）：最快 {best:.2f} s，"
        f"各次 {', '.join(f'{r:.2f}' for r in runs)} s；每户 {best / cols.n * 1e6:.2f} µs"
    )

    rng = random.Random(args.seed)
    households = [random_household(rng) for _ in range(args.scalar)]
    started = time.perf_counter()
    for household, subject in households:
        evaluate(Request(program="dibao", month=month, household=household), params)
        evaluate(Request(program="tekun", month=month, household=household, subject=subject), params)
    scalar = time.perf_counter() - started
    per = scalar / args.scalar
    print(
        f"逐户计算（engine.evaluate，含解释，{args.scalar:,} 户 × 低保 + 特困）：{scalar:.2f} s，"
        f"每户 {per * 1e6:.0f} µs；折算 {cols.n:,} 户约 {per * cols.n:.0f} s（{per * cols.n / best:.0f} 倍）"
    )


if __name__ == "__main__":
    main()
