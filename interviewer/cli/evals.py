"""`interviewer eval`: measure a grader against human labels, beside baselines and the human ceiling."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from . import app, console, err_console


@app.command("eval")
def eval_command(
    dataset: Annotated[Optional[Path], typer.Option(help="Labeled JSONL file; default: the shipped test split.")] = None,
    grader: Annotated[Optional[str], typer.Option(help="Grader setting: rubric | llm:<model spec>; default: GRADER_MODEL or rubric.")] = None,
    compare: Annotated[Optional[list[str]], typer.Option(help="Another grader setting to compare side by side (repeatable).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for report.json, report.md and the confusion PNGs.")] = Path("out/eval"),
    second_labels: Annotated[Optional[Path], typer.Option(help="Independent second labels for the human ceiling; default: second_labels.jsonl beside the dataset.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Parallel requests for llm: graders.")] = 4,
    samples: Annotated[int, typer.Option(min=1, help="Self-consistency samples per transcript for llm: graders (median score).")] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Grade everything again instead of reusing cached grades.")] = False,
    resamples: Annotated[int, typer.Option(min=1000, help="Bootstrap resamples for the 95% CIs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resamples.")] = 20261126,
) -> None:
    """Evaluate a grader on a labeled dataset: agreement with 95% CIs, baselines, slices and the human ceiling."""
    from ..config import Settings
    from ..evaluation.cache import GradeCache
    from ..evaluation.report import print_summary, write_report
    from ..evaluation.suite import run_eval

    setting = grader or Settings.from_env().grader
    cache = None if no_cache else GradeCache()
    try:
        report = run_eval(
            dataset, setting, compare or [], second_labels=second_labels, cache=cache,
            concurrency=concurrency, resamples=resamples, seed=seed, console=err_console, samples=samples,
        )
    finally:
        if cache is not None:
            cache.close()
    written = write_report(report, out)
    print_summary(report, console)
    timing = report["timing"]
    console.print(
        f"Graded in {timing['grading_seconds']:.1f} s ({timing['cache_hits']} cached). "
        + escape(f"Report: {written[0]}, {written[1]} and {len(written) - 2} confusion PNGs."),
        highlight=False,
    )
