"""`interviewer chat`, `resume`, `sessions`, `export`, `personas`, `rounds`: the terminal front end of the loop.

Thin over interviewer.interview.session: this module reads answers, prints streamed words, and says
how to come back. Every turn is already stored by the session the moment it exists.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table

from .. import catalog
from ..config import Settings
from ..errors import ConfigError, DataError
from ..interview.session import COMMANDS, InterviewSession, status_line
from ..models import build_chat_model
from ..store import SessionStore
from . import app, console

HOW_TO_ANSWER = "Type your answer over as many lines as you like, then press Enter on an empty line (or Ctrl-D) to send it."


def _pick(kind: str, options: dict[str, str]) -> str:
    """A numbered rich picker; only ever called on an interactive terminal."""
    table = Table(title=f"Choose a {kind}", show_header=False, box=None)
    ids = list(options)
    for number, key in enumerate(ids, start=1):
        table.add_row(f"[bold]{number}[/]", key, options[key])
    console.print(table)
    choice = Prompt.ask(f"{kind.capitalize()} (number or id)", choices=[str(n) for n in range(1, len(ids) + 1)] + ids, show_choices=False, console=console)
    return ids[int(choice) - 1] if choice.isdigit() else choice


def _choose(persona: str | None, round_: str | None) -> tuple[str, str]:
    if persona and round_:
        return catalog.persona(persona).id, catalog.round_(round_).id
    if not sys.stdin.isatty():
        raise ConfigError(
            "Pass --persona and --round when input is not a terminal (there is no picker): "
            "see `interviewer personas` and `interviewer rounds`."
        )
    if not persona:
        persona = _pick("persona", {p.id: f"{p.name}, {p.title} ({p.team})" for p in catalog.personas().values()})
    if not round_:
        round_ = _pick("round", {r.id: f"{r.title}: {r.summary}" for r in catalog.rounds().values()})
    return catalog.persona(persona).id, catalog.round_(round_).id


def _stream(session: InterviewSession, pieces: Iterator[str]) -> None:
    console.print(f"\n[bold magenta]{session.persona.name.split()[0]}:[/] ", end="")
    for piece in pieces:
        console.print(piece, end="", markup=False, highlight=False, soft_wrap=True)
        console.file.flush()
    console.print()
    for notice in session.notices:
        console.print(f"[yellow]{escape(notice)}[/]")
    session.notices.clear()


def _status(session: InterviewSession) -> None:
    line = status_line(session.remaining())
    if line:
        console.print(f"[dim]{line} · /help for commands[/]", soft_wrap=True)


def _help() -> None:
    table = Table(show_header=False, box=None)
    for name, what in COMMANDS.items():
        table.add_row(f"[bold]{name}[/]", what)
    console.print(HOW_TO_ANSWER)
    console.print(table)


def read_answer() -> str | None:
    """One answer: lines until an empty line or end of input. A slash command on the first line is sent at once.

    None when input ends before anything was typed.
    """
    lines: list[str] = []
    while True:
        try:
            line = console.input("[bold cyan]>[/] " if not lines else "[dim]·[/] ")
        except EOFError:
            return "\n".join(lines) if lines else None
        if not lines and line.strip().startswith("/"):
            return line.strip()
        if not line.strip():
            if lines:
                return "\n".join(lines)
            continue
        lines.append(line)


def _converse(session: InterviewSession) -> None:
    """The loop shared by chat and resume. Ctrl-C or the end of input stop it with the session saved."""
    resume_hint = f"Session {session.id} is saved: continue it with [bold]interviewer resume {session.id}[/]"
    try:
        _stream(session, session.opening())
        _status(session)
        while not session.done:
            text = read_answer()
            if text is None:
                console.print(f"\nInput ended. {resume_hint}")
                return
            if text.lower() == "/help":
                _help()
                continue
            try:
                pieces = session.command(text) if text.startswith("/") else session.answer(text)
                _stream(session, pieces)
            except DataError as exc:
                console.print(f"[yellow]{escape(str(exc))}[/]")
                continue
            _status(session)
    except KeyboardInterrupt:
        console.print(f"\nStopped. {resume_hint}")
        raise typer.Exit(130) from None
    console.print(f"\n[green]The round is over.[/] Session {session.id} is saved.")
    console.print(f"Get your debrief: [bold]interviewer debrief {session.id}[/]")


def _header(session: InterviewSession) -> None:
    p, r = session.persona, session.round
    console.print(
        Panel(
            f"[bold]{p.name}[/], {p.title} · {p.team}\n"
            f"{r.title} round · about {r.minutes} min · {session.plan.max_main_questions} main questions\n"
            f"[dim]{HOW_TO_ANSWER} /help lists the commands. Session {session.id}[/]",
            title="Twilio PM mock interview",
        )
    )


@app.command()
def chat(
    persona: str = typer.Option(None, "--persona", help="Persona id (see `interviewer personas`); asked when omitted."),
    round_: str = typer.Option(None, "--round", help="Round id (see `interviewer rounds`); asked when omitted."),
    model: str = typer.Option(None, "--model", help="Interviewer model spec (default: INTERVIEWER_MODEL or local)."),
) -> None:
    """Practise a round with a simulated Twilio hiring manager; every turn is saved as it happens."""
    settings = Settings.from_env().with_interviewer_model(model)
    persona_id, round_id = _choose(persona, round_)
    chat_model = build_chat_model(settings.interviewer_model, settings)
    session = InterviewSession.start(SessionStore(settings.store_path), settings, persona_id, round_id, chat_model)
    _header(session)
    _converse(session)


@app.command()
def resume(
    session_id: str = typer.Argument(None, help="Session id or a unique prefix (default: the latest session)."),
    model: str = typer.Option(None, "--model", help="Interviewer model spec (default: the one the session used)."),
) -> None:
    """Continue a saved session where it stopped."""
    settings = Settings.from_env()
    store = SessionStore(settings.store_path)
    session_id = session_id or store.latest_session_id()
    if session_id is None:
        raise DataError("There are no sessions to resume: start one with `interviewer chat`.")
    info = store.get_session(session_id)
    if info.status == "ended":
        raise DataError(f"Session {info.id} has ended: get its debrief, export it, or start a new round with `interviewer chat`.")
    settings = settings.with_interviewer_model(model or info.interviewer_model)
    session = InterviewSession.resume(store, info.id, build_chat_model(settings.interviewer_model, settings), settings=settings)
    _header(session)
    earlier = session.turns
    if earlier and earlier[-1].role == "interviewer":
        earlier = earlier[:-1]  # the last line is shown again as the conversation reopens
    for turn in earlier:
        who = f"[magenta]{session.persona.name.split()[0]}[/]" if turn.role == "interviewer" else "[cyan]You[/]"
        console.print(f"[dim]{who}: [/]", end="")
        console.print(turn.content, style="dim", markup=False, highlight=False)
    _converse(session)


@app.command()
def sessions(limit: int = typer.Option(20, "--limit", min=1, help="How many sessions to list, newest first.")) -> None:
    """List saved sessions, newest first."""
    store = SessionStore(Settings.from_env().store_path)
    found = store.list_sessions(limit=limit)
    if not found:
        console.print("No sessions yet: start one with [bold]interviewer chat[/].")
        return
    table = Table(title=f"Sessions in {store.path}")
    for column in ("id", "persona", "round", "status", "turns", "model", "updated (UTC)"):
        table.add_column(column, overflow="fold")
    for info in found:
        table.add_row(info.id, info.persona, info.round, info.status, str(info.turn_count), info.interviewer_model, info.updated_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@app.command()
def export(
    session_id: str = typer.Argument(..., help="Session id or a unique prefix."),
    out: Path = typer.Option(None, "--out", help="Write the line to this file instead of printing it."),
    append: bool = typer.Option(False, "--append", help="Append to --out (to grow a JSONL dataset) instead of replacing it."),
) -> None:
    """Write a session as one line of the labeled-dataset format (no gold labels), ready to label."""
    store = SessionStore(Settings.from_env().store_path)
    line = json.dumps(store.export_line(session_id), ensure_ascii=False)
    if out is None:
        sys.stdout.write(line + "\n")
        return
    try:
        with out.open("a" if append else "w", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        raise DataError(f"Cannot write {out} ({exc.strerror}): choose a writable path for --out.") from exc
    console.print(f"Wrote session {store.get_session(session_id).id} to {escape(str(out))}.")


@app.command()
def personas() -> None:
    """List the interviewer personas."""
    table = Table(title="Personas")
    for column in ("id", "who", "probes hardest", "about"):
        table.add_column(column, overflow="fold")
    for p in catalog.personas().values():
        table.add_row(p.id, f"{p.name}, {p.title} ({p.team})", p.hardest_dimension, p.summary)
    console.print(table)


@app.command()
def rounds() -> None:
    """List the interview rounds."""
    table = Table(title="Rounds")
    for column in ("id", "round", "time", "main questions", "about"):
        table.add_column(column, overflow="fold")
    for r in catalog.rounds().values():
        table.add_row(r.id, r.title, f"{r.minutes} min", str(r.max_main_questions), r.summary)
    console.print(table)
