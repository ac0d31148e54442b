"""Benchmark: an offline eval of 100 labeled transcripts, wall time and peak memory.

    /work/venv/bin/python benchmarks/evals.py [--dataset FILE] [--n 100] [--grader rubric]

Times the grader load separately, then a full eval without cache (grading, metrics with 1,000 bootstrap
resamples for the grader and both baselines, slices, hard cases, human ceiling) and writing report.json,
report.md and the PNGs; then the same eval served from a warm cache. Target: < 10 s after model load.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from interviewer.evaluation.cache import GradeCache
from interviewer.evaluation.dataset import shipped_dataset
from interviewer.evaluation.report import write_report
from interviewer.evaluation.runner import load_grader
from interviewer.evaluation.suite import run_eval


def first_lines(source: Path, n: int, folder: Path) -> Path:
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()][:n]
    target = folder / f"{source.stem}-first{len(lines)}.jsonl"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    second = source.parent / "second_labels.jsonl"
    if second.is_file():  # keep the human-ceiling work in the measured run
        (folder / "second_labels.jsonl").write_text(second.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=None, help="default: evals/datasets/dev.jsonl, else test.jsonl")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--grader", default="rubric")
    args = parser.parse_args()
    source = args.dataset or next(p for p in (shipped_dataset("dev"), shipped_dataset("test")) if p.is_file())

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dataset = first_lines(source, args.n, folder)

        started = time.perf_counter()
        grader = load_grader(args.grader)
        load_seconds = time.perf_counter() - started

        def factory(setting: str):
            return grader if setting == args.grader else load_grader(setting)

        started = time.perf_counter()
        report = run_eval(dataset, args.grader, grader_factory=factory, cache=None)
        write_report(report, folder / "cold")
        cold_seconds = time.perf_counter() - started

        cache = GradeCache(folder / "grades.sqlite")
        run_eval(dataset, args.grader, grader_factory=factory, cache=cache)  # fill the cache
        started = time.perf_counter()
        run_eval(dataset, args.grader, grader_factory=factory, cache=cache)
        warm_seconds = time.perf_counter() - started

        tracemalloc.start()
        run_eval(dataset, args.grader, grader_factory=factory, cache=None)
        _, peak_python = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        cache.close()

    peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    grading = report["timing"]["grading_seconds"]
    print(f"dataset            {source} (first {report['n']} transcripts, {len(report['skipped'])} skipped)")
    print(f"grader             {args.grader}")
    print(f"grader load        {load_seconds:6.2f} s")
    print(f"eval, no cache     {cold_seconds:6.2f} s  (grading {grading:.2f} s = {1000 * grading / report['n']:.1f} ms/transcript;"
          f" rest: metrics, 1,000 bootstrap resamples x 3 graders, slices, report files)")
    print(f"eval, warm cache   {warm_seconds:6.2f} s  (metrics only, no report files)")
    print(f"peak Python memory {peak_python / 2**20:6.1f} MiB during one eval (tracemalloc)")
    print(f"peak process RSS   {peak_rss_kb / 1024:6.1f} MiB (ru_maxrss, includes the interpreter and libraries)")
    target = 10.0
    print(f"target < {target:.0f} s after model load: {'met' if cold_seconds < target else 'MISSED'}")
    sys.exit(0 if cold_seconds < target else 1)


if __name__ == "__main__":
    main()
