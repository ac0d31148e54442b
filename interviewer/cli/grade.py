"""`interviewer grade FILE`, `interviewer debrief [SESSION]`, `interviewer progress`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ..config import Settings
from ..debrief import render, session_debrief, to_markdown
from ..errors import DataError
from ..grading.registry import load_grader
from ..grading.scorecard import Scorecard
from ..grading.transcript_file import read_transcript
from . import app, console

GRADER_HELP = "Grader: rubric (offline, default) or llm:<model spec>, e.g. llm:local or llm:openai:gpt-4o-mini."
SAMPLES_HELP = "LLM graders: grade N times, median per dimension (self-consistency)."


def _show(card: Scorecard, *, as_json: bool, markdown: Path | None, title: str) -> None:
    if markdown is not None:
        try:
            markdown.write_text(to_markdown(card, title=title), encoding="utf-8")
        except OSError as exc:
            raise DataError(f"Cannot write {markdown} ({exc.strerror}): choose another path for --markdown.") from exc
    if as_json:
        console.print_json(card.model_dump_json())
    else:
        console.print(render(card, title=title))
    if markdown is not None and not as_json:
        console.print(f"[dim]Saved the debrief to {escape(str(markdown))}[/]")


@app.command()
def grade(
    file: Path = typer.Argument(..., help="A transcript: a dataset-format JSON/JSONL line, or text with 'Interviewer:' / 'Candidate:' prefixes."),
    grader: str = typer.Option(None, "--grader", help=GRADER_HELP),
    samples: int = typer.Option(1, "--samples", help=SAMPLES_HELP),
    item_id: str = typer.Option(None, "--id", help="In a JSONL file with several transcripts, the id of the one to grade."),
    as_json: bool = typer.Option(False, "--json", help="Print the Scorecard as JSON."),
    markdown: Path = typer.Option(None, "--markdown", help="Also save the debrief as Markdown to this file."),
) -> None:
    """Grade a transcript file and print a hiring-committee debrief."""
    settings = Settings.from_env()
    transcript = read_transcript(file, item_id=item_id)
    card = load_grader(grader, samples=samples, settings=settings).grade(transcript)
    _show(card, as_json=as_json, markdown=markdown, title=f"Debrief: {file.name}")


@app.command()
def debrief(
    session: str = typer.Argument(None, help="Session id or unique prefix (default: the latest session)."),
    grader: str = typer.Option(None, "--grader", help=GRADER_HELP),
    samples: int = typer.Option(1, "--samples", help=SAMPLES_HELP),
    regrade: bool = typer.Option(False, "--regrade", help="Grade again even if a debrief from this grader is stored."),
    as_json: bool = typer.Option(False, "--json", help="Print the Scorecard as JSON."),
    markdown: Path = typer.Option(None, "--markdown", help="Also save the debrief as Markdown to this file."),
) -> None:
    """Grade a stored session (the latest by default), store the debrief with it and print it."""
    from ..store import SessionStore

    settings = Settings.from_env()
    store = SessionStore(settings.store_path)
    session_id = session or store.latest_session_id()
    if session_id is None:
        raise DataError("There are no sessions yet: practise a round with `interviewer chat` first.")
    info = store.get_session(session_id)
    card = session_debrief(store, info.id, grader=grader, samples=samples, regrade=regrade, settings=settings)
    _show(card, as_json=as_json, markdown=markdown, title=f"Debrief: {info.persona} · {info.round} · {info.id[:8]}")


@app.command()
def progress(
    chart: Path = typer.Option(None, "--chart", help="Where to save the PNG chart (default: progress.png beside the session store)."),
) -> None:
    """Each dimension across your graded sessions, as a table and a saved PNG chart."""
    from ..progress import history, progress_table, save_chart
    from ..store import SessionStore

    settings = Settings.from_env()
    rows = history(SessionStore(settings.store_path))
    if not rows:
        raise DataError("No graded sessions yet: finish a round and run `interviewer debrief` first.")
    console.print(progress_table(rows))
    saved = save_chart(rows, chart or settings.store_path.parent / "progress.png")
    console.print(f"Chart saved to {escape(str(saved))}")
