"""Web app fixtures: the app over a temp store and the fake model, an SSE reader, a started session."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from interviewer.web.app import create_app


def events(text: str) -> list[tuple[str, object]]:
    """The (event, data) pairs of a server-sent-event body."""
    found = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            found.append((lines["event"], json.loads(lines["data"])))
    return found


def spoken(text: str) -> str:
    """The interviewer's line as the page shows it: every streamed piece, joined."""
    return "".join(data for event, data in events(text) if event == "piece").strip()


def last(text: str, kind: str) -> object:
    return [data for event, data in events(text) if event == kind][-1]


@pytest.fixture
def web_settings(settings):
    return settings.model_copy(update={"interviewer_model": "fake"})


@pytest.fixture
def client(web_settings, fake_model):
    fake_model.default = ""  # an empty model reply: the interviewer uses its curated wording
    with TestClient(create_app(web_settings, fake_model)) as test_client:
        yield test_client


@pytest.fixture
def session_id(client) -> str:
    """A started messaging/product-design session whose opening has been streamed and stored."""
    created = client.post("/api/sessions", json={"persona": "messaging-hm", "round": "product_design"})
    assert created.status_code == 201, created.text
    opened = client.get(f"/api/sessions/{created.json()['id']}/opening")
    assert opened.status_code == 200
    return created.json()["id"]
