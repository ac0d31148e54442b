"""`interviewer doctor`: is this machine ready, and how fast is the interviewer's model."""

from __future__ import annotations

import typer
from rich.table import Table

from ..config import Settings
from ..grading.registry import OFFLINE, llm_model_spec
from ..health import Check, check_model
from . import app, console


@app.command()
def doctor(
    model: str = typer.Option(None, "--model", help="Interviewer model spec (default: INTERVIEWER_MODEL or local)."),
    grader: str = typer.Option(None, "--grader", help="Grader setting (default: GRADER_MODEL or rubric)."),
    speed: bool = typer.Option(True, "--speed/--no-speed", help="Measure the interviewer model's tokens/s."),
) -> None:
    """Check the configured backends, the key, the server, the local model and the session store."""
    settings = Settings.from_env()
    model = model or settings.interviewer_model
    grader = grader or settings.grader
    checks: list[Check] = check_model("interviewer", model, settings, speed=speed)
    grader_spec = llm_model_spec(grader)
    if grader_spec is None:
        ok = grader.strip() == OFFLINE
        checks.append(Check("grader", ok, "offline rubric grader (no LLM)" if ok else f"unknown grader '{grader}': use rubric or llm:<model spec>"))
    else:
        checks += check_model("grader", grader_spec, settings, speed=False)
    checks.append(Check("session store", None, str(settings.store_path)))
    table = Table(title="interviewer doctor")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    marks = {True: "[green]ok[/]", False: "[red]FAIL[/]", None: "[dim]-[/]"}
    for check in checks:
        table.add_row(check.name, marks[check.ok], check.detail)
    console.print(table)
    if any(check.ok is False for check in checks):
        raise typer.Exit(1)
