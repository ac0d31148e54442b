"""Grade every transcript of a dataset with one grader: cached, with a progress bar, remote graders in parallel.

The offline grader and in-process models run inline (CPU-bound, and llama.cpp is not thread-safe). Graders
whose setting is llm:openai:... wait on a server, so they run in a bounded thread pool; every grader retries
with exponential backoff when rate-limited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import openai
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ..errors import ConfigError, InterviewerError
from ..grading import Grader, Scorecard, registry
from ..transcript import Transcript
from .cache import GradeCache, cache_key, grading_fingerprint

RATE_LIMIT_ATTEMPTS = 6
SYSTEMIC_FAILURES = 3  # this many failures before any success: the grader cannot work at all, so stop
DEFAULT_CONCURRENCY = 4


def load_grader(setting: str, samples: int = 1) -> Grader:
    """The grader a setting string names, from the grading registry."""
    return registry.load_grader(setting, samples=samples)


def is_remote(setting: str) -> bool:
    """An llm: grader whose model is behind a server. In-process GGUF models (llm:local...) are not
    thread-safe (llama.cpp asserts and crashes), so they run inline like the offline grader."""
    spec = registry.llm_model_spec(setting)
    if spec is None:
        return False
    from ..models import parse_spec

    try:
        return parse_spec(spec).kind == "openai"
    except ConfigError:
        return False


def _with_rate_limit_retry(function: Callable[[], Scorecard], wait_strategy: Any) -> Scorecard:
    for attempt in Retrying(
        retry=retry_if_exception_type(openai.RateLimitError),
        wait=wait_strategy,
        stop=stop_after_attempt(RATE_LIMIT_ATTEMPTS),
        reraise=True,
    ):
        with attempt:
            return function()
    raise AssertionError("unreachable: tenacity either returns or re-raises")


def _progress(console: Console | None) -> Progress | nullcontext[None]:
    if console is None:
        return nullcontext()
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@dataclass
class Grades:
    """One grader's output on a dataset: a Scorecard per transcript, or None where grading failed (see failures)."""

    cards: list[Scorecard | None]
    failures: list[dict[str, Any]] = field(default_factory=list)


def grade_all(
    grader: Grader,
    transcripts: Sequence[Transcript],
    *,
    setting: str,
    rubric_version: str,
    samples: int = 1,
    cache: GradeCache | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    console: Console | None = None,
    rate_limit_wait: Any = None,
) -> Grades:
    """Grade every transcript, in order. Cached grades are reused; new ones are stored as they finish.

    A grader that fails on one transcript (an InterviewerError such as an unparseable model reply or a transcript
    too long for the model) is recorded and the rest is graded. When the first grades all fail, the failure is
    systemic (bad setting, no server) and is raised. Any other error stops the run; finished grades stay cached.
    """
    if concurrency < 1:
        raise ConfigError(f"--concurrency must be at least 1 (got {concurrency}).")
    wait_strategy = rate_limit_wait if rate_limit_wait is not None else wait_exponential(multiplier=1, min=1, max=30)
    fingerprint = grading_fingerprint() if cache is not None else ""
    keys = [cache_key(t, setting, samples, rubric_version, fingerprint) for t in transcripts]
    grades = Grades(cards=[cache.get(key) if cache else None for key in keys])
    todo = [i for i, card in enumerate(grades.cards) if card is None]
    succeeded = len(transcripts) - len(todo)
    failed: dict[int, str] = {}

    def attempt(index: int) -> Scorecard | InterviewerError:
        try:
            return _with_rate_limit_retry(lambda: grader.grade(transcripts[index]), wait_strategy)
        except InterviewerError as exc:
            return exc

    def finish(index: int, outcome: Scorecard | InterviewerError) -> None:
        nonlocal succeeded
        if isinstance(outcome, InterviewerError):
            failed[index] = str(outcome)
            if succeeded == 0 and len(failed) >= SYSTEMIC_FAILURES:
                raise outcome
            return
        succeeded += 1
        grades.cards[index] = outcome
        if cache is not None:
            cache.put(keys[index], outcome)

    with _progress(console) as bar:
        task = bar.add_task(f"Grading with {setting}", total=len(transcripts), completed=len(transcripts) - len(todo)) if bar else None
        advance = (lambda: bar.advance(task)) if bar else (lambda: None)
        if not is_remote(setting) or concurrency == 1:
            for index in todo:
                finish(index, attempt(index))
                advance()
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                futures = {pool.submit(attempt, index): index for index in todo}
                try:
                    for future in as_completed(futures):
                        finish(futures[future], future.result())
                        advance()
                finally:
                    for future in futures:
                        future.cancel()
    grades.failures = [{"id": transcripts[i].id, "grader": setting, "reason": failed[i]} for i in sorted(failed)]
    return grades
