"""Shared fixtures. `fake_model` is the one deterministic chat-model seam every unit test uses."""

from __future__ import annotations

import pytest

from interviewer.config import Settings
from interviewer.models import FakeChatModel


@pytest.fixture
def fake_model() -> FakeChatModel:
    """A chat model that replies from a queue: ``fake_model.enqueue("first reply", "second")``."""
    return FakeChatModel()


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings isolated from the user's environment and .env, with a store in a temp folder."""
    for name in ("INTERVIEWER_MODEL", "GRADER_MODEL", "OPENAI_API_KEY", "INTERVIEWER_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INTERVIEWER_DB", str(tmp_path / "sessions.db"))
    return Settings.from_env()
