"""The JSON and streaming API, driven through httpx (FastAPI's TestClient) as the page's script drives it."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from interviewer.errors import BackendError
from interviewer.interview.session import Remaining
from interviewer.store import SessionStore
from interviewer.web.app import create_app
from interviewer.web.streaming import UNEXPECTED, turn_events

from .conftest import events, last, spoken

ANSWER = (
    "I would ship a channel-fallback API: one request, WhatsApp first, SMS when the WhatsApp message is not delivered in time.\n"
    "Developers get signed, retried status callbacks per attempt and an idempotency key so a retry never sends twice.\n"
    "For SMS we must respect A2P 10DLC registration and GSM-7 versus UCS-2 segment counts, since cost depends on segments."
)


def test_catalog_lists_personas_rounds_and_the_configured_model(client):
    body = client.get("/api/catalog").json()
    assert body["model"] == "fake" and body["model_label"].startswith("fake")
    assert "messaging-hm" in [p["id"] for p in body["personas"]]
    assert "product_design" in [r["id"] for r in body["rounds"]]
    assert all(p["summary"] for p in body["personas"]) and all(r["summary"] for r in body["rounds"])


def test_the_opening_streams_piece_by_piece_and_is_stored_as_shown(client, web_settings):
    created = client.post("/api/sessions", json={"persona": "messaging-hm", "round": "product_design"}).json()
    assert created["url"] == f"/sessions/{created['id']}" and len(created["id"]) >= 20
    opened = client.get(f"/api/sessions/{created['id']}/opening")
    assert opened.headers["content-type"].startswith("text/event-stream")
    pieces = [data for event, data in events(opened.text) if event == "piece"]
    assert len(pieces) > 5  # streamed, not sent as one block
    [turn] = SessionStore(web_settings.store_path).turns(created["id"])
    assert turn.role == "interviewer" and turn.content == "".join(pieces).strip()
    assert last(opened.text, "done")["done"] is False


def test_an_answer_is_stored_verbatim_and_the_reply_streamed_is_the_reply_stored(client, web_settings, session_id):
    reply = client.post(f"/api/sessions/{session_id}/answers", json={"text": ANSWER})
    assert reply.status_code == 200
    turns = SessionStore(web_settings.store_path).turns(session_id)
    assert [t.role for t in turns] == ["interviewer", "candidate", "interviewer"]
    assert turns[1].content == ANSWER  # multi-line answer kept as one turn, lines intact
    assert turns[2].content == spoken(reply.text)
    done = last(reply.text, "done")
    assert "more main question" in done["status"] and done["remaining"]["main_questions_left"] >= 1


def test_commands_skip_repeat_and_end_behave_as_in_the_cli(client, web_settings, session_id):
    store = SessionStore(web_settings.store_path)
    first_line = store.turns(session_id)[-1].content
    repeated = client.post(f"/api/sessions/{session_id}/commands", json={"name": "/repeat"})
    assert spoken(repeated.text) == first_line and len(store.turns(session_id)) == 1  # shown again, not stored again
    skipped = client.post(f"/api/sessions/{session_id}/commands", json={"name": "/skip"})
    assert store.turns(session_id)[-1].content == spoken(skipped.text) != first_line
    ended = client.post(f"/api/sessions/{session_id}/commands", json={"name": "/end"})
    assert last(ended.text, "done")["done"] is True and last(ended.text, "done")["status"] == ""
    assert store.get_session(session_id).status == "ended"
    again = client.post(f"/api/sessions/{session_id}/answers", json={"text": "one more thing"})
    assert again.status_code == 409 and "has ended" in again.json()["error"]
    assert client.post(f"/api/sessions/{session_id}/commands", json={"name": "/help"}).status_code == 422


def test_a_session_continues_after_a_server_restart(web_settings, fake_model, session_id, client):
    client.post(f"/api/sessions/{session_id}/answers", json={"text": ANSWER})
    fake_model.default = ""
    with TestClient(create_app(web_settings, fake_model)) as restarted:
        detail = restarted.get(f"/api/sessions/{session_id}").json()
        assert [t["idx"] for t in detail["turns"]] == [0, 1, 2] and detail["remaining"]["done"] is False
        restarted.post(f"/api/sessions/{session_id}/answers", json={"text": "I would measure delivery rate per channel."})
        turns = restarted.get(f"/api/sessions/{session_id}").json()["turns"]
    assert [t["idx"] for t in turns] == [0, 1, 2, 3, 4] and turns[3]["content"] == "I would measure delivery rate per channel."


def test_a_reply_owed_when_the_server_died_after_an_answer_is_given_on_reopening(client, web_settings, session_id):
    store = SessionStore(web_settings.store_path)
    store.append_turn(session_id, "candidate", "An answer stored just before a crash.", phase="main")
    page = client.get(f"/sessions/{session_id}")
    assert 'data-needs-opening="true"' in page.text
    reply = client.get(f"/api/sessions/{session_id}/opening")
    turns = store.turns(session_id)
    assert [t.role for t in turns][-2:] == ["candidate", "interviewer"] and turns[-1].content == spoken(reply.text)
    assert 'data-needs-opening="false"' in client.get(f"/sessions/{session_id}").text


def test_sessions_are_reachable_only_by_their_full_id(client, session_id):
    assert client.get(f"/api/sessions/{session_id}").status_code == 200
    for wrong in (session_id[:8], session_id + "x", "nope"):
        response = client.get(f"/api/sessions/{wrong}")
        assert response.status_code == 404 and response.json() == {"error": "No session has this id: check the link, or start a new round."}
        assert client.post(f"/api/sessions/{wrong}/answers", json={"text": "hi"}).status_code == 404


def test_empty_and_overlong_answers_are_refused_with_one_sentence_and_nothing_stored(settings, fake_model):
    small = settings.model_copy(update={"interviewer_model": "fake", "max_answer_chars": 40})
    fake_model.default = ""
    with TestClient(create_app(small, fake_model)) as client:
        sid = client.post("/api/sessions", json={"persona": "messaging-hm", "round": "product_design"}).json()["id"]
        client.get(f"/api/sessions/{sid}/opening")
        empty = client.post(f"/api/sessions/{sid}/answers", json={"text": "  \n "})
        assert empty.status_code == 400 and empty.json()["error"].startswith("Your answer is empty")
        long = client.post(f"/api/sessions/{sid}/answers", json={"text": "x" * 41})
        assert long.status_code == 413 and "over the limit of 40" in long.json()["error"]
        huge = client.post(f"/api/sessions/{sid}/answers", json={"text": "y" * 200_000})
        assert huge.status_code == 413 and "larger than" in huge.json()["error"]
        malformed = client.post(f"/api/sessions/{sid}/answers", content=b"{not json", headers={"content-type": "application/json"})
        assert malformed.status_code == 422 and "invalid" in malformed.json()["error"]
        assert len(SessionStore(small.store_path).turns(sid)) == 1


def test_a_second_turn_while_the_interviewer_speaks_is_refused(client, session_id):
    lock = client.app.state.context.claim_turn(session_id)
    try:
        busy = client.post(f"/api/sessions/{session_id}/answers", json={"text": "hello"})
        assert busy.status_code == 409 and "still answering" in busy.json()["error"]
    finally:
        lock.release()
    assert client.post(f"/api/sessions/{session_id}/answers", json={"text": "hello"}).status_code == 200


def test_a_failing_model_is_a_notice_and_the_round_goes_on(client, fake_model, web_settings, session_id):
    fake_model.default = "!raise Cannot reach the model server: start it."
    reply = client.post(f"/api/sessions/{session_id}/answers", json={"text": ANSWER})
    done = last(reply.text, "done")
    assert any("Cannot reach the model server" in notice for notice in done["notices"])
    assert SessionStore(web_settings.store_path).turns(session_id)[-1].content == spoken(reply.text) != ""


class _Session:
    """Just what a turn reads from a session once its words are spoken."""

    id = "s1"
    done = False
    notices: list[str] = []

    def remaining(self) -> Remaining:
        return Remaining(phase=None, main_questions_left=1, probes_left=0, minutes_left=10, done=False)


def _turn(speak) -> tuple[list[tuple[str, object]], threading.Lock]:
    lock = threading.Lock()
    lock.acquire()
    text = "".join(turn_events(_Session(), speak, lock))  # type: ignore[arg-type]
    return events(text), lock


def test_an_error_during_a_turn_becomes_one_sentence_and_frees_the_session():
    def backend_fails(session):
        yield "Hello "
        raise BackendError("The model server did not answer in time: check it is running.")

    found, lock = _turn(backend_fails)
    assert found == [("piece", "Hello "), ("error", {"message": "The model server did not answer in time: check it is running."})]
    assert lock.acquire(blocking=False)

    def bug(session):
        raise KeyError("internal detail")
        yield  # pragma: no cover

    found, lock = _turn(bug)
    assert found == [("error", {"message": UNEXPECTED})] and "internal detail" not in str(found)
    assert lock.acquire(blocking=False)


def test_debrief_grades_once_stores_and_quotes_the_candidate(client, web_settings, session_id):
    client.post(f"/api/sessions/{session_id}/answers", json={"text": ANSWER})
    client.post(f"/api/sessions/{session_id}/commands", json={"name": "/end"})
    card = client.post(f"/api/sessions/{session_id}/debrief").json()
    assert card["recommendation"] in ("strong_no_hire", "no_hire", "hire", "strong_hire") and card["grader"] == "rubric"
    quotes = [q for d in card["dimensions"].values() for q in d["evidence"]]
    assert quotes and all(q in ANSWER for q in quotes)
    store = SessionStore(web_settings.store_path)
    assert store.latest_debrief(session_id).model_dump(mode="json") == card
    progress = client.get("/api/progress").json()
    assert [p["session"]["id"] for p in progress] == [session_id]
    assert progress[0]["scores"] == {d: v["score"] for d, v in card["dimensions"].items()}


def test_a_debrief_of_a_session_without_answers_says_what_to_do(client, session_id):
    response = client.post(f"/api/sessions/{session_id}/debrief")
    assert response.status_code == 400 and "no answers yet" in response.json()["error"]


def test_openapi_schema_describes_the_json_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/catalog", "/api/sessions", "/api/sessions/{session_id}", "/api/sessions/{session_id}/answers",
            "/api/sessions/{session_id}/debrief", "/api/progress"} <= set(schema["paths"])
    assert "AnswerIn" in schema["components"]["schemas"] and "Scorecard" in schema["components"]["schemas"]
    assert not any(path.startswith("/sessions") for path in schema["paths"])  # pages are not API


def test_every_response_carries_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"] and "unsafe-inline" not in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer" and headers["x-content-type-options"] == "nosniff"


def test_a_loopback_server_refuses_other_host_names(web_settings, fake_model):
    app = create_app(web_settings, fake_model, allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as local:
        assert local.get("/api/catalog").status_code == 200
        assert local.get("/api/catalog", headers={"host": "attacker.example"}).status_code == 400


def test_each_piece_is_relayed_as_soon_as_it_is_spoken():
    first_piece_seen = threading.Event()

    def waits_for_the_reader(session):
        yield "Hello "
        assert first_piece_seen.wait(timeout=5), "the relay held the first piece back"
        yield "again."

    lock = threading.Lock()
    lock.acquire()
    stream = turn_events(_Session(), waits_for_the_reader, lock)  # type: ignore[arg-type]
    assert events(next(stream)) == [("piece", "Hello ")]
    first_piece_seen.set()
    assert [event for event, _ in events("".join(stream))] == ["piece", "done"]
