"""The terminal chat and its companions, driven as a user would: through stdin, signals and a pseudo-terminal."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.store import SessionStore

CLI = [sys.executable, "-c", "from interviewer.cli import main; main()"]
ANSWER = "I would build one messaging API.\nIt would route through carriers and report delivery receipts."


def env_for(db: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "INTERVIEWER_DB": str(db), **extra}
    for name in ("OPENAI_API_KEY", "INTERVIEWER_MODEL"):
        env.pop(name, None)
    return env


def run_cli(db: Path, *args: str, stdin: str = "", timeout: float = 60, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True, env=env_for(db, **extra), timeout=timeout)


def flat(text: str) -> str:
    return " ".join(text.split())


def chat_args(*more: str) -> list[str]:
    return ["chat", "--model", "fake", "--persona", "messaging-hm", "--round", "product_design", *more]


def test_a_round_through_stdin_is_streamed_stored_and_ended(tmp_path):
    db = tmp_path / "s.db"
    result = run_cli(db, *chat_args(), stdin=f"{ANSWER}\n\n/repeat\n/skip\n/help\n/end\n")
    assert result.returncode == 0, result.stderr
    out = flat(result.stdout)
    store = SessionStore(db)
    [info] = store.list_sessions()
    turns = store.turns(info.id)
    assert turns[1].role == "candidate" and turns[1].content == ANSWER  # a multi-line answer stays one turn
    for turn in turns:
        if turn.role == "interviewer":
            assert flat(turn.content) in out  # what was shown is what was stored
    assert out.count(flat(turns[2].content)) == 2  # /repeat showed the line again...
    assert [t.role for t in turns].count("interviewer") == 4  # ...without storing it: opening, reply, skip, close
    assert info.status == "ended" and "more main question" in out and "/skip" in out
    assert f"interviewer debrief {info.id}" in out or "debrief" not in out


def test_without_persona_and_round_a_non_terminal_gets_one_clear_sentence(tmp_path):
    result = run_cli(tmp_path / "s.db", "chat", "--model", "fake")
    assert result.returncode == 2
    assert "Pass --persona and --round" in flat(result.stderr) and "Traceback" not in result.stderr


def test_unknown_persona_names_the_valid_ones(tmp_path):
    result = run_cli(tmp_path / "s.db", "chat", "--model", "fake", "--persona", "nobody", "--round", "strategy")
    assert result.returncode == 2 and "Unknown persona 'nobody'" in flat(result.stderr) and "messaging-hm" in result.stderr


def test_empty_and_overlong_answers_get_a_message_and_the_round_goes_on(tmp_path):
    db = tmp_path / "s.db"
    result = run_cli(db, *chat_args(), stdin="x" * 50 + "\n\nshort answer\n\n/end\n", INTERVIEWER_MAX_ANSWER_CHARS="40")
    assert result.returncode == 0
    assert "over the limit of 40" in flat(result.stdout)
    [info] = SessionStore(db).list_sessions()
    answers = [t.content for t in SessionStore(db).turns(info.id) if t.role == "candidate"]
    assert answers == ["short answer"]


def test_end_of_input_stops_cleanly_and_says_how_to_resume(tmp_path):
    db = tmp_path / "s.db"
    result = run_cli(db, *chat_args(), stdin=f"{ANSWER}\n\n")
    assert result.returncode == 0
    [info] = SessionStore(db).list_sessions()
    assert f"interviewer resume {info.id}" in flat(result.stdout) and info.status == "active"


def test_sessions_lists_and_export_writes_one_dataset_line(tmp_path):
    db = tmp_path / "s.db"
    run_cli(db, *chat_args(), stdin=f"{ANSWER}\n\n/end\n")
    [info] = SessionStore(db).list_sessions()
    listing = run_cli(db, "sessions")
    assert info.id in listing.stdout and "messaging-hm" in listing.stdout
    printed = run_cli(db, "export", info.id[:10])
    line = json.loads(printed.stdout)
    assert line["id"] == info.id and line["persona"] == "messaging-hm" and line["round"] == "product_design"
    assert {t["role"] for t in line["turns"]} == {"interviewer", "candidate"} and "gold" not in line
    out = tmp_path / "set.jsonl"
    run_cli(db, "export", info.id, "--out", str(out))
    run_cli(db, "export", info.id, "--out", str(out), "--append")
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [info.id, info.id]
    missing = run_cli(db, "export", "no-such-session")
    assert missing.returncode == 2 and "interviewer sessions" in flat(missing.stderr)


def test_personas_and_rounds_are_listed_with_their_ids(tmp_path):
    personas = run_cli(tmp_path / "s.db", "personas").stdout
    rounds = run_cli(tmp_path / "s.db", "rounds").stdout
    for pid in ("messaging-hm", "voice-video-hm", "verify-hm", "flex-hm", "platform-dx-hm", "bar-raiser"):
        assert pid in personas
    for rid in ("product_design", "api_design", "technical", "strategy", "behavioral"):
        assert rid in rounds


def _wait_for_turns(db: Path, count: int, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            store = SessionStore(db)
            sessions = store.list_sessions()
            if sessions and sessions[0].turn_count >= count:
                return sessions[0].id
            store.close()
        time.sleep(0.05)
    raise AssertionError(f"the chat never stored {count} turns")


def test_a_session_killed_with_sigkill_loses_no_turn_and_resumes(tmp_path):
    db = tmp_path / "s.db"
    proc = subprocess.Popen([*CLI, *chat_args()], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, env=env_for(db))
    proc.stdin.write(f"{ANSWER}\n\n")
    proc.stdin.flush()
    session_id = _wait_for_turns(db, 3)  # opening, answer, reply: then the process is killed mid-session
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    before = [(t.role, t.content) for t in SessionStore(db).turns(session_id)]
    assert len(before) == 3 and before[1] == ("candidate", ANSWER)

    resumed = run_cli(db, "resume", session_id, stdin="Second answer about webhooks and retries.\n\n/end\n")
    assert resumed.returncode == 0, resumed.stderr
    after = SessionStore(db).turns(session_id)
    assert [(t.role, t.content) for t in after[:3]] == before
    assert after[3].content == "Second answer about webhooks and retries." and after[-1].decision["action"] == "close"
    lines = [t.content for t in after if t.role == "interviewer"]
    assert len(lines) == len(set(lines))
    assert flat(before[2][1]) in flat(resumed.stdout)  # the conversation so far is shown again
    again = run_cli(db, "resume", session_id)
    assert again.returncode == 2 and "has ended" in flat(again.stderr)


def test_ctrl_c_stops_cleanly_and_says_the_session_is_saved(tmp_path):
    db = tmp_path / "s.db"
    # a terminal's Ctrl-C: a test run started in the background inherits an ignored SIGINT, which Python keeps
    proc = subprocess.Popen(
        [*CLI, *chat_args()], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for(db),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    proc.stdin.write(f"{ANSWER}\n\n")
    proc.stdin.flush()
    session_id = _wait_for_turns(db, 3)
    # Ctrl-C at the prompt, with input still open as at a terminal
    shown = _read_until(proc.stdout.fileno(), r"(?s)·.*>\s*$", timeout=30)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 130
    out, err = shown + proc.stdout.read(), proc.stderr.read()
    proc.stdin.close()
    assert f"interviewer resume {session_id}" in flat(out) and "Traceback" not in err
    assert len(SessionStore(db).turns(session_id)) == 3


def _read_until(fd: int, pattern: str, timeout: float) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 4096).decode("utf-8", "replace")
            except OSError:
                break
            if not data:
                break
            seen += data
            if re.search(pattern, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen)):
                return seen
    raise AssertionError(f"no {pattern!r} in {seen[-2000:]!r}")


@contextlib.contextmanager
def terminal(db: Path, *args: str) -> Iterator[int]:
    """The real CLI on a pseudo-terminal; yields the terminal's fd and kills the CLI afterwards."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real CLI on a real terminal
        os.execvpe(CLI[0], [*CLI, *args], env_for(db, TERM="dumb"))
    try:
        yield fd
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


@pytest.mark.e2e
def test_a_short_real_session_on_the_embedded_model_in_a_terminal(tmp_path):
    db = tmp_path / "s.db"
    with terminal(db, *chat_args()[:2], "local", *chat_args()[3:]) as fd:
        _read_until(fd, r"/help for commands.*\n.*> ", timeout=120)
        os.write(fd, b"I would route through carriers and give developers delivery receipts by webhook.\r\r")
        after_answer = _read_until(fd, r"/help for commands.*\n.*> ", timeout=180)
        os.write(fd, b"/end\r")
        _read_until(fd, r"The round is over", timeout=120)
    store = SessionStore(db)
    [info] = store.list_sessions()
    turns = store.turns(info.id)
    assert [t.role for t in turns] == ["interviewer", "candidate", "interviewer", "interviewer"]
    shown = flat(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", after_answer))
    assert flat(turns[2].content) in shown  # the reply streamed to the terminal is the stored one
    assert turns[2].decision["source"] in ("model", "mixed", "curated") and info.status == "ended"


def test_on_a_terminal_pickers_ask_for_the_persona_and_round(tmp_path):
    from interviewer import catalog

    db = tmp_path / "s.db"
    with terminal(db, "chat", "--model", "fake") as fd:
        _read_until(fd, r"Persona \(number or id\)", timeout=60)
        os.write(fd, b"2\r")
        _read_until(fd, r"Round \(number or id\)", timeout=30)
        os.write(fd, b"technical\r")
        _read_until(fd, r"/help for commands.*\n.*> ", timeout=30)
        os.write(fd, b"/end\r")
        _read_until(fd, r"The round is over", timeout=30)
    [info] = SessionStore(db).list_sessions()
    assert info.persona == list(catalog.personas())[1] and info.round == "technical"


def test_an_unknown_command_is_its_own_line_not_said_by_the_interviewer(tmp_path):
    result = run_cli(tmp_path / "s.db", *chat_args(), stdin="/dance\n/end\n")
    assert result.returncode == 0
    out = flat(result.stdout)
    assert "Unknown command '/dance'" in out and ": Unknown command" not in out


@pytest.mark.e2e
def test_a_quick_scripted_round_on_the_embedded_model_shows_every_line_and_exits_cleanly(tmp_path):
    """Every move here is curated, so the round is over while the model is still warming up: a background load
    used to point stdout at /dev/null for its duration (the ending never showed), and exit used to free the model
    under the warm-up (a segmentation fault)."""
    db = tmp_path / "s.db"
    script = "Sorry, could you repeat the question?\n\nI still don't understand the question.\n\nHow am I doing so far?\n\n/end\n"
    result = run_cli(db, *chat_args()[:2], "local", *chat_args()[3:], stdin=script, timeout=180)
    assert result.returncode == 0, result.stderr
    out = flat(result.stdout)
    [info] = SessionStore(db).list_sessions()
    for turn in SessionStore(db).turns(info.id):
        if turn.role == "interviewer":
            assert flat(turn.content) in out
    assert "The round is over" in out
