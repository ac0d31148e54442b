"""The real stack: the embedded GGUF in-process, and the real OpenAI client against a real local server."""

from __future__ import annotations

import subprocess
import sys
from typing import Literal

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from interviewer.models import build_chat_model, limited, structured
from tests.llama_server import MODEL_ALIAS, running_server

pytestmark = pytest.mark.e2e

PROMPT = [
    SystemMessage("You are a Twilio product manager. Answer in one sentence."),
    HumanMessage("What is an SMS status callback?"),
]


class Rating(BaseModel):
    reason: str
    score: Literal[1, 2, 3, 4]


def _stream(model) -> list[str]:
    return [chunk.content for chunk in limited(model, max_tokens=24, temperature=0.0).stream(PROMPT) if chunk.content]


@pytest.fixture(scope="module")
def server_url():
    with running_server() as url:
        yield url


def test_embedded_model_streams_text_in_process(settings):
    model = build_chat_model("local", settings)
    pieces = _stream(model)
    assert len(pieces) >= 3, pieces
    assert len("".join(pieces).split()) >= 3
    assert model.count_tokens("".join(pieces)) <= 26


def test_embedded_model_counts_tokens_without_printing_on_the_terminal():
    # a fresh process, so the vocabulary is loaded here and not by an earlier test; a stray llama.cpp line on stderr
    # would land in the middle of the interviewer's words
    script = "from interviewer.config import Settings; from interviewer.models import build_chat_model; print(build_chat_model('local', Settings.from_env({})).count_tokens('hello there'))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 2
    assert result.stderr == ""


def test_embedded_model_returns_structured_output(settings):
    model = build_chat_model("local", settings)
    rating = structured(model, Rating, max_tokens=80).invoke([HumanMessage("Rate this answer 1-4: 'we retry with idempotency keys'. Reply as JSON.")])
    assert isinstance(rating, Rating) and rating.score in (1, 2, 3, 4)


def test_openai_client_streams_from_a_local_compatible_server(settings, server_url):
    model = build_chat_model(f"openai:{MODEL_ALIAS}@{server_url}", settings)
    pieces = _stream(model)
    assert len(pieces) >= 3
    # llama.cpp ignores max_completion_tokens; the limit in the body is what stops the reply.
    assert len(pieces) <= 26


def test_openai_client_gets_structured_output_from_a_local_server(settings, server_url):
    model = build_chat_model(f"openai:{MODEL_ALIAS}@{server_url}", settings)
    rating = structured(model, Rating, max_tokens=300).invoke([HumanMessage("Rate 'webhooks are retried with backoff' 1-4 as JSON with a one-sentence reason.")])
    assert isinstance(rating, Rating) and rating.score in (1, 2, 3, 4)


def test_doctor_measures_the_embedded_model(settings):
    from interviewer.health import check_model

    checks = {c.name: c for c in check_model("interviewer", "local", settings)}
    assert checks["model loads"].ok and checks["tokens/s"].ok
    assert "tokens/s decode" in checks["tokens/s"].detail
