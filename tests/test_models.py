"""Model settings: one string per backend, clear errors for bad configuration, one fake seam for tests."""

from __future__ import annotations

import time
from typing import Literal

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from interviewer.errors import ConfigError
from interviewer.models import (
    FakeChatModel,
    LlamaCppChat,
    ModelSpec,
    StructuredOutputError,
    build_chat_model,
    describe_backend_error,
    extract_json,
    limited,
    parse_spec,
    structured,
)


class Verdict(BaseModel):
    reason: str
    score: Literal[1, 2, 3, 4]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local", ModelSpec("local", "embedded")),
        ("", ModelSpec("local", "embedded")),
        ("openai:gpt-4o-mini", ModelSpec("openai", "gpt-4o-mini")),
        ("openai:qwen2.5:7b@http://127.0.0.1:11434/v1/", ModelSpec("openai", "qwen2.5:7b", base_url="http://127.0.0.1:11434/v1")),
        ("fake", ModelSpec("fake", "fake")),
    ],
)
def test_spec_strings_parse(text, expected):
    assert parse_spec(text) == expected


def test_local_path_spec_keeps_the_path(tmp_path):
    spec = parse_spec(f"local:{tmp_path}/big.gguf")
    assert spec.kind == "local" and spec.path == tmp_path / "big.gguf"


@pytest.mark.parametrize("text", ["gpt-4", "anthropic:claude", "openai:", "openai:m@ftp://x", "local:"])
def test_unknown_or_malformed_spec_is_one_clear_sentence(text):
    with pytest.raises(ConfigError) as info:
        parse_spec(text)
    message = str(info.value)
    assert text in message or "not a valid" in message
    assert message.count(".") <= 3 and "\n" not in message


def test_openai_without_key_says_how_to_fix(settings):
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        build_chat_model("openai:gpt-4o-mini", settings)


def test_compatible_server_needs_no_key(settings):
    model = build_chat_model("openai:llama@http://127.0.0.1:9/v1", settings)
    assert model.openai_api_base == "http://127.0.0.1:9/v1"


def test_missing_model_file(settings, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        build_chat_model(f"local:{tmp_path}/missing.gguf", settings)


def test_file_that_is_not_gguf(settings, tmp_path):
    bogus = tmp_path / "model.gguf"
    bogus.write_text("definitely not weights")
    with pytest.raises(ConfigError, match="not a GGUF"):
        build_chat_model(f"local:{bogus}", settings)


def test_corrupt_gguf_fails_with_a_sentence_not_a_crash(settings, tmp_path):
    corrupt = tmp_path / "truncated.gguf"
    corrupt.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 64)
    model = build_chat_model(f"local:{corrupt}", settings)
    assert isinstance(model, LlamaCppChat)
    with pytest.raises(ConfigError, match="Could not load"):
        model.llama  # noqa: B018


def test_embedded_model_resolves_without_download(settings):
    model = build_chat_model("local", settings)
    assert model.model_path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert model.model_path.stat().st_size > 50_000_000


def test_unreachable_server_fails_fast_with_a_sentence(settings):
    model = build_chat_model("openai:any@http://127.0.0.1:9/v1", settings)
    start = time.perf_counter()
    with pytest.raises(Exception) as info:
        model.invoke([HumanMessage("hello")])
    assert time.perf_counter() - start < 15
    message = describe_backend_error(info.value, parse_spec("openai:any@http://127.0.0.1:9/v1"))
    assert message == "Cannot reach the model server at http://127.0.0.1:9/v1: start it, or fix the URL in INTERVIEWER_MODEL."


def test_compatible_servers_get_max_tokens_in_the_body(settings):
    model = build_chat_model("openai:m@http://127.0.0.1:9/v1", settings)
    bound = limited(model, max_tokens=42)
    assert bound.kwargs["extra_body"] == {"max_tokens": 42}
    assert bound.kwargs["max_tokens"] == 42


def test_openai_proper_gets_no_extra_body(settings, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    from interviewer.config import Settings

    model = build_chat_model("openai:gpt-4o-mini", Settings.from_env())
    assert "extra_body" not in limited(model, max_tokens=42).kwargs


def test_fake_model_replies_in_order_streams_and_records(fake_model: FakeChatModel):
    fake_model.enqueue("first reply", "second reply here")
    assert fake_model.invoke([HumanMessage("a")]).content == "first reply"
    chunks = [c.content for c in fake_model.stream([HumanMessage("b")]) if c.content]
    assert len(chunks) == 3 and "".join(chunks) == "second reply here"
    assert [m[-1].content for m in fake_model.calls] == ["a", "b"]
    with pytest.raises(AssertionError, match="no reply queued"):
        fake_model.invoke([HumanMessage("c")])


def test_structured_output_parses_and_validates(fake_model):
    fake_model.enqueue('Here you go:\n```json\n{"reason": "concrete retries", "score": 3}\n```')
    verdict = structured(fake_model, Verdict).invoke([HumanMessage("grade")])
    assert verdict == Verdict(reason="concrete retries", score=3)
    assert fake_model.call_kwargs[0]["response_format"]["type"] == "json_object"
    assert fake_model.call_kwargs[0]["response_format"]["schema"]["properties"]["score"]["enum"] == [1, 2, 3, 4]


def test_structured_output_rejects_out_of_range_scores(fake_model):
    fake_model.enqueue('{"reason": "x", "score": 7}')
    with pytest.raises(StructuredOutputError, match="Verdict"):
        structured(fake_model, Verdict).invoke([HumanMessage("grade")])


def test_extract_json_ignores_chatter():
    assert extract_json('Sure! {"a": {"b": 1}} trailing') == {"a": {"b": 1}}
    with pytest.raises(ValueError):
        extract_json("no json at all")
