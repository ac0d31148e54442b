"""The web API on the embedded SmolLM2 model (the zero-config default): a short round, stored as streamed, then graded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from interviewer.store import SessionStore
from interviewer.web.app import create_app

from .conftest import last, spoken
from .test_api import ANSWER


@pytest.mark.e2e
def test_a_short_round_on_the_embedded_model(settings):
    local = settings.model_copy(update={"interviewer_model": "local"})
    with TestClient(create_app(local)) as client:
        assert client.get("/api/catalog").json()["model_label"] == "SmolLM2-135M-Instruct (embedded)"
        session_id = client.post("/api/sessions", json={"persona": "messaging-hm", "round": "product_design"}).json()["id"]
        opening = client.get(f"/api/sessions/{session_id}/opening")
        reply = client.post(f"/api/sessions/{session_id}/answers", json={"text": ANSWER})
        ended = client.post(f"/api/sessions/{session_id}/commands", json={"name": "/end"})
        turns = SessionStore(local.store_path).turns(session_id)
        assert [t.content for t in turns] == [spoken(opening.text), ANSWER, spoken(reply.text), spoken(ended.text)]
        assert all(t.content for t in turns) and last(ended.text, "done")["done"] is True
        debrief = client.get(f"/sessions/{session_id}/debrief")
        assert debrief.status_code == 200 and 'id="recommendation"' in debrief.text
