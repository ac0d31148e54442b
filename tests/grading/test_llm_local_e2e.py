"""The LLM grader on the embedded model: weak, but it must run, parse and keep only verbatim evidence."""

import pytest

from interviewer.grading.registry import load_grader
from interviewer.transcript import Transcript

pytestmark = pytest.mark.e2e

ANSWER = "If their server times out they resend with the same request ID and we return the first result instead of sending twice."


def test_llm_local_grades_a_short_transcript_into_a_valid_scorecard(settings):
    transcript = Transcript(
        turns=[
            {"role": "interviewer", "content": "What happens when the developer's send request times out?"},
            {"role": "candidate", "content": ANSWER},
        ]
    )
    card = load_grader("llm:local", settings=settings).grade(transcript)
    assert card.grader == "llm:local"
    assert set(card.scores().values()) <= {1, 2, 3, 4}
    for dimension in card.dimensions.values():
        assert all(quote in ANSWER for quote in dimension.evidence)
        assert dimension.insufficient_evidence == (not dimension.evidence)


def test_llm_grader_runs_through_the_openai_client_against_a_compatible_server(settings):
    from tests.llama_server import MODEL_ALIAS, running_server

    transcript = Transcript(turns=[{"role": "interviewer", "content": "What happens on a timeout?"}, {"role": "candidate", "content": ANSWER}])
    with running_server() as url:
        card = load_grader(f"llm:openai:{MODEL_ALIAS}@{url}", settings=settings).grade(transcript)
    assert card.grader == f"llm:openai:{MODEL_ALIAS}@{url}"
    for dimension in card.dimensions.values():
        assert all(quote in ANSWER for quote in dimension.evidence)
