"""The debrief: terminal and Markdown views of a Scorecard, and the grade / debrief / progress commands."""

from __future__ import annotations

import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.debrief import render, to_markdown, what_a_4_sounds_like
from interviewer.errors import DataError
from interviewer.grading.scorecard import DimensionScore, Scorecard
from interviewer.grading.transcript_file import read_transcript
from interviewer.store import SessionStore

CANDIDATE = (
    "If their server times out they resend with the same request ID and we return the first result instead of sending twice. "
    "One emoji switches the message to UCS-2, so a segment holds 70 characters instead of 160 and the bill triples."
)
PLAIN = f"Interviewer: How should the send API behave when the caller times out?\nCandidate: {CANDIDATE}\n"


def card(te=3, pt=1, td=4, **extra) -> Scorecard:
    def dim(name, score, quote):
        return DimensionScore(dimension=name, score=score, evidence=[quote] if quote else [], rationale=f"{name} rationale [bold]x[/bold]")

    return Scorecard(
        dimensions={
            "technical_empathy": dim("technical_empathy", te, "we return the first result"),
            "platform_thinking": dim("platform_thinking", pt, None),
            "telecom_depth": dim("telecom_depth", td, "a segment holds 70 characters instead of 160"),
        },
        recommendation="no_hire",
        summary="No hire: strong telecom, no platform.",
        strengths=["Telecom depth: segment maths"],
        concerns=["Platform thinking: never shown."],
        next_steps=["Drill one", "Drill two"],
        grader="rubric",
        rubric_version="2026.11.1",
        **extra,
    )


def as_text(renderable) -> str:
    console = Console(width=140, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_terminal_debrief_has_every_section_of_a_committee_debrief():
    text = as_text(render(card()))
    for heading in ("NO HIRE", "Technical empathy", "Evidence", "Strengths", "Concerns", "What a 4 would have sounded like", "Next drills"):
        assert heading in text
    assert '"we return the first result"' in text
    assert "[bold]x[/bold]" in text  # rationale text is printed, never interpreted as markup


def test_what_a_4_sounds_like_comes_from_the_rubric_of_the_weakest_dimension():
    title, description, example = what_a_4_sounds_like(card(te=3, pt=1, td=4))
    assert title == "Platform thinking"
    assert "primitive" in description and example
    assert what_a_4_sounds_like(card(te=4, pt=4, td=4)) is None


def test_markdown_debrief_has_the_scores_table_and_evidence():
    md = to_markdown(card())
    assert md.startswith("# ")
    assert "| Technical empathy | 3 solid |" in md
    assert "> a segment holds 70 characters instead of 160" in md
    assert "## What a 4 would have sounded like: Platform thinking" in md
    assert "1. Drill one" in md


def test_plain_text_transcripts_are_read_by_speaker_prefix(tmp_path):
    path = tmp_path / "round.txt"
    path.write_text(PLAIN + "And we document it.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert [t.role for t in transcript.turns] == ["interviewer", "candidate"]
    assert transcript.turns[1].content.endswith("instead of 160 and the bill triples.\nAnd we document it.")


def test_dataset_lines_and_json_objects_are_read(tmp_path):
    line = {"id": "x-1", "persona": "messaging-hm", "round": "api_design", "turns": [{"role": "candidate", "content": CANDIDATE}], "gold": {}}
    (tmp_path / "one.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    (tmp_path / "two.jsonl").write_text(json.dumps(line) + "\n" + json.dumps({**line, "id": "x-2"}) + "\n", encoding="utf-8")
    assert read_transcript(tmp_path / "one.jsonl").persona == "messaging-hm"
    assert read_transcript(tmp_path / "two.jsonl", item_id="x-2").id == "x-2"
    with pytest.raises(DataError, match="--id"):
        read_transcript(tmp_path / "two.jsonl")


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"), ("just some notes without speakers", "Candidate:"), ('{"turns": []}', "not a transcript"), ('{"turns": [{"role": "interviewer", "content": "Hi"}]}', "no candidate turn")],
)
def test_unusable_files_are_one_clear_sentence(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_transcript(path)


runner = CliRunner()


def test_grade_prints_a_debrief_and_saves_markdown(tmp_path, settings):
    path = tmp_path / "round.txt"
    path.write_text(PLAIN, encoding="utf-8")
    result = runner.invoke(app, ["grade", str(path), "--markdown", str(tmp_path / "debrief.md")], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Evidence" in result.output and "Next drills" in result.output
    assert (tmp_path / "debrief.md").read_text(encoding="utf-8").startswith("# Debrief: round.txt")


def test_grade_json_prints_a_valid_scorecard(tmp_path, settings):
    path = tmp_path / "round.txt"
    path.write_text(PLAIN, encoding="utf-8")
    result = runner.invoke(app, ["grade", str(path), "--json"])
    assert result.exit_code == 0, result.output
    parsed = Scorecard.model_validate_json(result.output)
    assert parsed.grader == "rubric"
    for dimension in parsed.dimensions.values():
        assert all(quote in CANDIDATE for quote in dimension.evidence)


def _store_with_session(settings, answer: str = CANDIDATE, round_: str = "api_design") -> tuple[SessionStore, str]:
    store = SessionStore(settings.store_path)
    info = store.create_session("messaging-hm", round_, "fake", "rubric")
    store.append_turn(info.id, "interviewer", "How should the send API behave when the caller times out?", phase="main")
    store.append_turn(info.id, "candidate", answer, phase="main")
    return store, info.id


def test_debrief_grades_the_latest_session_and_stores_the_debrief(settings):
    store, session_id = _store_with_session(settings)
    result = runner.invoke(app, ["debrief", "--json"])
    assert result.exit_code == 0, result.output
    stored = store.latest_debrief(session_id)
    assert stored is not None and stored == Scorecard.model_validate_json(result.output)


def test_debrief_without_sessions_says_what_to_do(settings):
    result = runner.invoke(app, ["debrief"])
    assert isinstance(result.exception, DataError)
    assert "interviewer chat" in str(result.exception)


def test_progress_shows_each_dimension_across_sessions_and_saves_a_png(settings, tmp_path):
    for round_ in ("api_design", "technical"):
        store, session_id = _store_with_session(settings, round_=round_)
        runner.invoke(app, ["debrief", session_id])
    chart = tmp_path / "chart.png"
    result = runner.invoke(app, ["progress", "--chart", str(chart)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Technical empathy" in result.output and "technical" in result.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_stored_debrief_is_reused_until_the_session_grows(settings):
    store, session_id = _store_with_session(settings)
    first = runner.invoke(app, ["debrief", session_id, "--json"])
    again = runner.invoke(app, ["debrief", session_id, "--json"])
    assert first.exit_code == again.exit_code == 0
    with store._transaction() as conn:
        count = conn.execute("SELECT COUNT(*) FROM debriefs WHERE session_id = ?", (session_id,)).fetchone()[0]
    assert count == 1
    store.append_turn(session_id, "interviewer", "And when the webhook endpoint is down?", phase="probe")
    store.append_turn(session_id, "candidate", "We retry with backoff for a day and they dedupe on the event ID.", phase="probe")
    regraded = Scorecard.model_validate_json(runner.invoke(app, ["debrief", session_id, "--json"]).output)
    assert regraded.graded_turns == 4
