"""Offline grader speed and memory: median ms per transcript after load, and peak memory.

    python benchmarks/grader.py [--dataset evals/datasets/dev.jsonl] [--repeats 3]

Target: < 50 ms per transcript after load.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.transcript import Transcript  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=ROOT / "evals" / "datasets" / "dev.jsonl")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    transcripts = [Transcript.model_validate(json.loads(line)) for line in args.dataset.read_text(encoding="utf-8").splitlines() if line.strip()]

    start = time.perf_counter()
    from interviewer.grading.registry import load_grader

    grader = load_grader("rubric")
    grader.grade(transcripts[0])  # first call compiles the cue and rubric patterns
    load_seconds = time.perf_counter() - start

    timings = []
    for _ in range(args.repeats):
        for transcript in transcripts:
            t0 = time.perf_counter()
            grader.grade(transcript)
            timings.append((time.perf_counter() - t0) * 1000)

    tracemalloc.start()  # a separate pass: tracing slows every allocation, so it must not touch the timings
    for transcript in transcripts:
        grader.grade(transcript)
    _, grade_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    words = statistics.median(sum(len(t.content.split()) for t in tr.turns if t.role == "candidate") for tr in transcripts)
    timings.sort()
    print(f"dataset           {args.dataset.name}: {len(transcripts)} transcripts x {args.repeats} repeats (median {words:.0f} candidate words)")
    print(f"load + first      {load_seconds * 1000:.0f} ms")
    print(f"per transcript    median {statistics.median(timings):.1f} ms, p95 {timings[int(0.95 * (len(timings) - 1))]:.1f} ms, max {timings[-1]:.1f} ms")
    print(f"peak memory       process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (whole interpreter); grading adds {grade_peak / 1e6:.2f} MB of Python heap at peak")
    print(f"target            < 50 ms per transcript after load: {'met' if statistics.median(timings) < 50 else 'MISSED'}")


if __name__ == "__main__":
    main()
