"""`interviewer serve`: the local web app (interviewer.web) under uvicorn."""

from __future__ import annotations

import ipaddress
import socket

import typer

from ..config import Settings
from ..errors import ConfigError
from . import app, console

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ensure_free(host: str, port: int) -> None:
    """Fail with one sentence before uvicorn would log a bind error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise ConfigError(f"Cannot listen on {host}:{port} ({exc.strerror}): choose another --port or --host.") from exc


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; keep the loopback default unless you know why."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    model: str = typer.Option(None, "--model", help="Interviewer model spec (default: INTERVIEWER_MODEL or local)."),
) -> None:
    """Practise in the browser: a local web app with streaming, debriefs and your history."""
    import uvicorn

    from ..web.app import create_app

    settings = Settings.from_env().with_interviewer_model(model)
    ensure_free(host, port)
    loopback = is_loopback(host)
    # On loopback, refuse other Host headers too, so a web page cannot reach this server through DNS rebinding.
    # (Starlette's host check cannot read bracketed IPv6 hosts, so an IPv6 loopback goes without it.)
    guard_hosts = loopback and ":" not in host
    web_app = create_app(settings, allowed_hosts=["127.0.0.1", "localhost"] if guard_hosts else None)
    if not loopback:
        console.print(f"[yellow]Listening on {host}: anyone who can reach this address and has a session's link can use it.[/]")
    shown = f"[{host}]" if ":" in host else host
    console.print(f"Open [bold]http://{shown}:{port}/[/] in your browser · interviewer model: {web_app.state.context.model_label} · Ctrl-C stops")
    uvicorn.run(web_app, host=host.strip("[]"), port=port, log_level="warning")
