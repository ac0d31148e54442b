"""The session store: every turn committed at once, readable by others, migrations forward only."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from interviewer.errors import DataError
from interviewer.grading.scorecard import DimensionScore, Scorecard
from interviewer.store import MIGRATIONS, SCHEMA_VERSION, SessionStore


@pytest.fixture
def store(tmp_path) -> SessionStore:
    return SessionStore(tmp_path / "nested" / "sessions.db")


def _scorecard(score: int, grader: str = "rubric") -> Scorecard:
    dims = {d: DimensionScore(dimension=d, score=score) for d in ("technical_empathy", "platform_thinking", "telecom_depth")}
    return Scorecard(dimensions=dims, recommendation="no_hire", grader=grader, rubric_version="v1")


def test_a_new_store_is_one_wal_file_at_the_latest_schema(store):
    assert store.path.is_file()
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_session_ids_are_long_random_tokens(store):
    a = store.create_session("messaging-hm", "product_design", "local", "rubric")
    b = store.create_session("messaging-hm", "product_design", "local", "rubric")
    assert a.id != b.id and len(a.id) >= 20
    assert a.status == "active" and a.turn_count == 0


def test_session_ids_never_start_with_a_dash_so_the_cli_never_reads_them_as_options():
    from interviewer.store import new_session_id

    ids = [new_session_id() for _ in range(5000)]  # about 1 in 64 raw tokens starts with "-"
    assert not any(i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)


def test_each_appended_turn_is_visible_to_another_connection_at_once(store):
    info = store.create_session("verify-hm", "technical", "fake", "rubric")
    idx = store.append_turn(info.id, "interviewer", "How would you design it?", phase="opening", decision={"action": "open"}, tokens=5)
    other = sqlite3.connect(store.path)
    rows = other.execute("SELECT idx, role, content, phase, decision, tokens FROM turns WHERE session_id = ?", (info.id,)).fetchall()
    assert idx == 0
    assert rows == [(0, "interviewer", "How would you design it?", "opening", '{"action": "open"}', 5)]


def test_turns_keep_order_phase_decision_and_tokens(store):
    info = store.create_session("verify-hm", "technical", "fake", "rubric")
    store.append_turn(info.id, "interviewer", "Q1?", phase="opening", decision={"action": "open", "question_id": "t-01"})
    store.append_turn(info.id, "candidate", "My answer", phase="opening", tokens=2)
    turns = store.turns(info.id)
    assert [(t.idx, t.role, t.phase) for t in turns] == [(0, "interviewer", "opening"), (1, "candidate", "opening")]
    assert turns[0].decision == {"action": "open", "question_id": "t-01"}
    assert turns[1].decision is None and turns[1].tokens == 2
    assert store.get_session(info.id).turn_count == 2


def test_transcript_and_export_line_follow_the_dataset_format_without_gold(store):
    info = store.create_session("flex-hm", "behavioral", "local", "rubric")
    store.append_turn(info.id, "interviewer", "Tell me about a time?", phase="opening")
    store.append_turn(info.id, "candidate", "We shipped webhooks.", phase="opening")
    transcript = store.transcript(info.id)
    assert transcript.persona == "flex-hm" and transcript.candidate_turns() == ["We shipped webhooks."]
    line = store.export_line(info.id)
    assert line["id"] == info.id and line["persona"] == "flex-hm" and line["round"] == "behavioral"
    assert line["turns"] == [
        {"role": "interviewer", "content": "Tell me about a time?"},
        {"role": "candidate", "content": "We shipped webhooks."},
    ]
    assert "gold" not in line


def test_a_session_without_answers_cannot_be_exported(store):
    info = store.create_session("flex-hm", "behavioral", "local", "rubric")
    store.append_turn(info.id, "interviewer", "Tell me about a time?", phase="opening")
    with pytest.raises(DataError, match="no answers yet"):
        store.export_line(info.id)


def test_unknown_ids_are_one_clear_sentence_and_prefixes_resolve(store):
    info = store.create_session("flex-hm", "behavioral", "local", "rubric")
    with pytest.raises(DataError, match="interviewer sessions"):
        store.get_session("nope-not-there")
    with pytest.raises(DataError):
        store.append_turn("nope-not-there", "candidate", "x", phase="main")
    assert store.get_session(info.id[:8]).id == info.id


def test_sessions_list_newest_first_and_end(store):
    first = store.create_session("flex-hm", "behavioral", "local", "rubric")
    second = store.create_session("verify-hm", "technical", "local", "rubric")
    store.append_turn(first.id, "interviewer", "Q?", phase="opening")  # touching a session makes it the latest
    assert [s.id for s in store.list_sessions()] == [first.id, second.id]
    assert store.latest_session_id() == first.id
    store.end_session(first.id)
    assert store.get_session(first.id).status == "ended"


def test_debriefs_are_saved_and_the_latest_one_wins(store):
    info = store.create_session("flex-hm", "behavioral", "local", "rubric")
    other = store.create_session("verify-hm", "technical", "local", "rubric")
    assert store.latest_debrief(info.id) is None
    store.save_debrief(info.id, _scorecard(2))
    store.save_debrief(info.id, _scorecard(3, grader="llm:fake"))
    store.save_debrief(other.id, _scorecard(1))
    latest = store.latest_debrief(info.id)
    assert latest.grader == "llm:fake" and latest.scores()["telecom_depth"] == 3
    pairs = store.debriefs()
    assert [(s.id, card.scores()["platform_thinking"]) for s, card in pairs] == [(info.id, 3), (other.id, 1)]


def test_an_older_store_is_migrated_forward_without_losing_turns(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO sessions VALUES ('old-session-id', 'flex-hm', 'behavioral', 'local', 'rubric', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00', 'active')")
    conn.execute("INSERT INTO turns VALUES ('old-session-id', 0, 'interviewer', 'Q?', '2024-01-01T00:00:00+00:00', NULL, 'opening', NULL)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = SessionStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    info = store.get_session("old-session-id")
    assert info.plan == {} and [t.content for t in store.turns(info.id)] == ["Q?"]


def test_a_store_from_a_newer_version_is_refused_clearly(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(DataError, match="newer version"):
        SessionStore(path)


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite, just some notes " * 50)
    with pytest.raises(DataError, match="INTERVIEWER_DB"):
        SessionStore(path)


def test_threads_can_append_to_one_store_concurrently(store):
    info = store.create_session("flex-hm", "behavioral", "local", "rubric")
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                store.append_turn(info.id, "candidate", f"t{n}-{i}", phase="main")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    turns = store.turns(info.id)
    assert len(turns) == 80 and [t.idx for t in turns] == list(range(80))


def test_several_openers_of_a_new_store_migrate_it_exactly_once(tmp_path):
    path = tmp_path / "shared.db"
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def opener() -> None:
        try:
            barrier.wait()
            SessionStore(path)  # its own connection, as another process would have
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert SessionStore(path).schema_version() == SCHEMA_VERSION
