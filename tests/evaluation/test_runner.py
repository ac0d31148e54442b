"""Grading a dataset: cached by transcript + grader + rubric version, remote graders bounded and retried."""

from __future__ import annotations

import httpx
import openai
import pytest
from tenacity import wait_none

from interviewer.errors import BackendError, ConfigError
from interviewer.evaluation.cache import GradeCache, cache_key
from interviewer.evaluation.runner import SYSTEMIC_FAILURES, grade_all
from interviewer.transcript import Transcript

from .conftest import TableGrader

LABELS = {"technical_empathy": 3, "platform_thinking": 2, "telecom_depth": 4, "recommendation": "hire"}


def transcripts(n: int) -> list[Transcript]:
    return [
        Transcript(id=f"t{i}", turns=[{"role": "interviewer", "content": "Q?"}, {"role": "candidate", "content": f"answer {i}"}])
        for i in range(n)
    ]


def table(n: int) -> dict[str, dict]:
    return {f"t{i}": LABELS for i in range(n)}


def test_a_rerun_is_served_from_the_cache_and_the_grader_is_called_once_per_transcript(tmp_path):
    grader = TableGrader("rubric", table(3))
    items = transcripts(3)
    first_cache = GradeCache(tmp_path / "g.sqlite")
    first = grade_all(grader, items, setting="rubric", rubric_version="v1", cache=first_cache).cards
    first_cache.close()
    second_cache = GradeCache(tmp_path / "g.sqlite")  # a new process: only the file is shared
    second = grade_all(grader, items, setting="rubric", rubric_version="v1", cache=second_cache).cards
    assert grader.calls == ["t0", "t1", "t2"]
    assert second_cache.hits == 3 and second_cache.misses == 0
    assert [c.scores() for c in second] == [c.scores() for c in first]


def test_the_cache_key_changes_with_transcript_grader_samples_rubric_version_and_grading_code():
    one, two = transcripts(2)
    base = cache_key(one, "rubric", 1, "v1", "code1")
    assert base == cache_key(one.model_copy(deep=True), "rubric", 1, "v1", "code1")
    assert len({base, cache_key(two, "rubric", 1, "v1", "code1"), cache_key(one, "llm:local", 1, "v1", "code1"),
                cache_key(one, "rubric", 3, "v1", "code1"), cache_key(one, "rubric", 1, "v2", "code1"),
                cache_key(one, "rubric", 1, "v1", "code2")}) == 6


def test_the_grading_fingerprint_changes_when_a_fitted_model_file_changes(tmp_path):
    from interviewer.evaluation.cache import fingerprint_of, grading_files
    from interviewer.paths import data_dir

    assert any(p.suffix == ".json" for p in grading_files())  # the fitted offline model is covered
    assert data_dir("rubrics") / "offline" / "cues.yaml" in grading_files()  # so is the offline grader's cue lexicon
    assert data_dir("rubrics") / "telecom_depth.yaml" in grading_files()  # and a rubric edited without a version bump
    model = tmp_path / "offline_model.json"
    model.write_text('{"coef": [0.1]}')
    before = fingerprint_of([model])
    model.write_text('{"coef": [0.2]}')
    assert fingerprint_of([model]) != before


def test_a_new_rubric_version_grades_again(tmp_path):
    grader = TableGrader("rubric", table(2))
    cache = GradeCache(tmp_path / "g.sqlite")
    grade_all(grader, transcripts(2), setting="rubric", rubric_version="v1", cache=cache)
    grade_all(grader, transcripts(2), setting="rubric", rubric_version="v2", cache=cache)
    assert len(grader.calls) == 4


def test_an_unwritable_cache_location_degrades_to_grading_without_a_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = GradeCache(blocker / "g.sqlite")
    grader = TableGrader("rubric", table(2))
    assert len(grade_all(grader, transcripts(2), setting="rubric", rubric_version="v1", cache=cache).cards) == 2


def test_remote_graders_run_concurrently_but_never_beyond_the_bound():
    grader = TableGrader("llm:openai:gpt-4o-mini", table(12), delay=0.05)
    cards = grade_all(grader, transcripts(12), setting=grader.name, rubric_version="v1", concurrency=3).cards
    assert [c.grader for c in cards] == [grader.name] * 12
    assert 2 <= grader.max_in_flight <= 3


@pytest.mark.parametrize("setting", ["rubric", "llm:local", "llm:local:/models/x.gguf", "llm:fake"])
def test_the_offline_grader_and_in_process_models_run_inline_one_at_a_time(setting):
    # llama.cpp crashes when one in-process model is used from two threads
    grader = TableGrader(setting, table(6), delay=0.01)
    grade_all(grader, transcripts(6), setting=setting, rubric_version="v1", concurrency=4)
    assert grader.max_in_flight == 1


def _rate_limit() -> openai.RateLimitError:
    request = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
    return openai.RateLimitError("slow down", response=httpx.Response(429, request=request), body=None)


class FlakyGrader(TableGrader):
    """Rate-limited on the first `failures` calls, then answers."""

    def __init__(self, failures: int) -> None:
        super().__init__("llm:openai:gpt-4o-mini", table(1))
        self.failures = failures

    def grade(self, transcript):
        if self.failures > 0:
            self.failures -= 1
            self.calls.append("rate-limited")
            raise _rate_limit()
        return super().grade(transcript)


def test_rate_limits_are_retried_until_the_grade_arrives():
    grader = FlakyGrader(failures=2)
    cards = grade_all(grader, transcripts(1), setting=grader.name, rubric_version="v1", rate_limit_wait=wait_none()).cards
    assert cards[0].scores()["telecom_depth"] == 4
    assert grader.calls == ["rate-limited", "rate-limited", "t0"]


def test_a_rate_limit_that_never_lifts_is_raised_after_bounded_retries():
    grader = FlakyGrader(failures=100)
    with pytest.raises(openai.RateLimitError):
        grade_all(grader, transcripts(1), setting=grader.name, rubric_version="v1", rate_limit_wait=wait_none())
    assert len(grader.calls) == 6


class FailsOn(TableGrader):
    """Fails on the listed transcript ids with the given error."""

    def __init__(self, name: str, n: int, failing: set[str], error: Exception) -> None:
        super().__init__(name, table(n))
        self.failing, self.error = failing, error
        self.attempts = 0

    def grade(self, transcript):
        self.attempts += 1
        if transcript.id in self.failing:
            raise self.error
        return super().grade(transcript)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_transcript_the_grader_cannot_grade_is_recorded_and_the_rest_graded(concurrency):
    error = BackendError("The grader model gave no valid scorecard in 3 tries: try a larger model.")
    grader = FailsOn("llm:openai:gpt-4o-mini", 6, {"t3"}, error)
    grades = grade_all(grader, transcripts(6), setting=grader.name, rubric_version="v1", concurrency=concurrency)
    assert [card is None for card in grades.cards] == [False, False, False, True, False, False]
    assert grades.failures == [{"id": "t3", "grader": grader.name, "reason": str(error)}]


def test_a_grader_that_fails_from_the_start_is_a_systemic_error_and_stops_the_run():
    grader = FailsOn("llm:local", 10, {f"t{i}" for i in range(10)}, BackendError("The model file is unreadable: reinstall it."))
    with pytest.raises(BackendError, match="unreadable"):
        grade_all(grader, transcripts(10), setting=grader.name, rubric_version="v1")
    assert grader.attempts == SYSTEMIC_FAILURES  # not all ten: it stopped once the failure was clearly systemic


def test_a_lost_server_stops_the_run_but_finished_grades_stay_cached(tmp_path):
    request = httpx.Request("POST", "http://localhost:9/v1/chat/completions")
    grader = FailsOn("llm:openai:m@http://localhost:9/v1", 6, {"t3"}, openai.APIConnectionError(request=request))
    cache = GradeCache(tmp_path / "g.sqlite")
    with pytest.raises(openai.APIConnectionError):
        grade_all(grader, transcripts(6), setting=grader.name, rubric_version="v1", cache=cache, concurrency=1)
    from interviewer.evaluation.cache import grading_fingerprint

    assert cache.get(cache_key(transcripts(6)[0], grader.name, 1, "v1", grading_fingerprint())) is not None


def test_concurrency_below_one_is_a_config_error():
    with pytest.raises(ConfigError, match="at least 1"):
        grade_all(TableGrader("rubric", {}), [], setting="rubric", rubric_version="v1", concurrency=0)


def test_a_progress_bar_counts_the_transcripts_while_grading():
    import io

    from rich.console import Console

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    grade_all(TableGrader("rubric", table(5)), transcripts(5), setting="rubric", rubric_version="v1", console=console)
    shown = stream.getvalue()
    assert "Grading with rubric" in shown and "5/5" in shown
