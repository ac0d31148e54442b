"""Grade every transcript of a dataset with one grader: cached, with a progress bar, remote graders in parallel.

The offline grader runs inline (it is fast and CPU-bound). Graders whose setting starts with "llm:" wait on a
server, so they run in a bounded thread pool and retry with exponential backoff when rate-limited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import nullcontext
from typing import Any

import openai
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ..errors import ConfigError
from ..grading import Grader, Scorecard
from ..transcript import Transcript
from .cache import GradeCache, cache_key, grading_fingerprint

RATE_LIMIT_ATTEMPTS = 6
DEFAULT_CONCURRENCY = 4


def load_grader(setting: str, samples: int = 1) -> Grader:
    """The grader a setting string names, from the grading registry (imported late: it loads models)."""
    try:
        from ..grading.registry import load_grader as registry_load_grader
    except ModuleNotFoundError as exc:
        if exc.name != "interviewer.grading.registry":
            raise
        raise ConfigError("No grader registry is installed (interviewer/grading/registry.py is missing): reinstall the package.") from None
    return registry_load_grader(setting, samples=samples)


def is_remote(setting: str) -> bool:
    return setting.startswith("llm:")


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


def _progress(console: Console | None, label: str) -> Progress | nullcontext[None]:
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
) -> list[Scorecard]:
    """One Scorecard per transcript, in order. Cached grades are reused; new ones are stored as they finish."""
    if concurrency < 1:
        raise ConfigError(f"--concurrency must be at least 1 (got {concurrency}).")
    wait_strategy = rate_limit_wait if rate_limit_wait is not None else wait_exponential(multiplier=1, min=1, max=30)
    fingerprint = grading_fingerprint() if cache is not None else ""
    keys = [cache_key(t, setting, samples, rubric_version, fingerprint) for t in transcripts]
    results: list[Scorecard | None] = [cache.get(key) if cache else None for key in keys]
    todo = [i for i, card in enumerate(results) if card is None]

    def finish(index: int, card: Scorecard) -> None:
        results[index] = card
        if cache is not None:
            cache.put(keys[index], card)

    with _progress(console, f"Grading with {setting}") as bar:
        task = bar.add_task(f"Grading with {setting}", total=len(transcripts), completed=len(transcripts) - len(todo)) if bar else None
        advance = (lambda: bar.advance(task)) if bar else (lambda: None)
        if not is_remote(setting) or concurrency == 1:
            for index in todo:
                finish(index, _with_rate_limit_retry(lambda: grader.grade(transcripts[index]), wait_strategy))
                advance()
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                futures = {
                    pool.submit(_with_rate_limit_retry, lambda i=index: grader.grade(transcripts[i]), wait_strategy): index
                    for index in todo
                }
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    errors = [f.exception() for f in done if f.exception() is not None]
                    for future in done:
                        if future.exception() is None:  # keep every finished grade cached, even when one failed
                            finish(futures[future], future.result())
                            advance()
                    if errors:
                        for other in pending:
                            other.cancel()
                        raise errors[0]
    return results  # type: ignore[return-value]
