"""The `interviewer` command: a thin front end over the library.

Every command module registers itself on ``app``. ``main`` is the one error boundary: a user sees one
sentence for anything they can fix, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    name="interviewer",
    help="Practise Twilio PM interview rounds with a simulated hiring manager, then get a scored debrief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Practise Twilio PM interview rounds with a simulated hiring manager, then get a scored debrief."""

from . import doctor, chat, grade, evals, serve  # noqa: E402,F401,I001  (each registers its commands, in this order)


def main() -> None:
    from dotenv import load_dotenv

    from ..models import USER_ERRORS, user_message

    load_dotenv()
    try:
        app()
    except USER_ERRORS as exc:
        err_console.print(f"[bold red]Error:[/] {escape(user_message(exc) or '')}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("\nInterrupted. Everything said so far is saved.")
        sys.exit(130)
