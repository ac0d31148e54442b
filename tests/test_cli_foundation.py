"""The CLI shell: commands are listed, bad configuration is one sentence and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from interviewer.cli import app, main
from interviewer.errors import ConfigError


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    for name in ("OPENAI_API_KEY",):
        full_env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", "from interviewer.cli import main; main()", *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, stdin=subprocess.DEVNULL,
    )


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "doctor" in result.stdout


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("nonsense", "Unknown model setting 'nonsense'"),
        ("openai:gpt-4o-mini", "missing"),
        ("openai:m@http://127.0.0.1:9/v1", "cannot reach http://127.0.0.1:9/v1"),
        ("local:/no/such/model.gguf", "does not exist"),
    ],
)
def test_doctor_reports_bad_configuration_without_a_traceback(model, expected, tmp_path):
    result = run_cli("doctor", "--no-speed", env={"INTERVIEWER_MODEL": model, "INTERVIEWER_DB": str(tmp_path / "s.db")})
    assert result.returncode == 1
    assert expected in " ".join(result.stdout.split())
    assert "Traceback" not in result.stdout + result.stderr


def test_doctor_reads_dotenv_from_the_working_directory(tmp_path):
    (tmp_path / ".env").write_text("INTERVIEWER_MODEL=openai:from-dotenv@http://127.0.0.1:9/v1\n")
    env = {k: v for k, v in os.environ.items() if k != "INTERVIEWER_MODEL"}
    result = subprocess.run(
        [sys.executable, "-c", "from interviewer.cli import main; main()", "doctor", "--no-speed"],
        capture_output=True, text=True, cwd=tmp_path, env={**env, "COLUMNS": "200"}, timeout=60,
    )
    assert "from-dotenv" in result.stdout


def test_error_boundary_prints_one_sentence_and_exits_2(monkeypatch, capsys):
    @app.command("explode-for-test", hidden=True)
    def explode() -> None:
        raise ConfigError("OPENAI_API_KEY is not set: add it to .env.")

    monkeypatch.setattr(sys, "argv", ["interviewer", "explode-for-test"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "OPENAI_API_KEY is not set: add it to .env." in err and "Traceback" not in err


@pytest.mark.parametrize(("name", "value"), [("INTERVIEWER_MAX_ANSWER_CHARS", "lots"), ("INTERVIEWER_REQUEST_TIMEOUT", "2 minutes")])
def test_an_invalid_environment_value_is_one_sentence_naming_the_variable(name, value, tmp_path):
    from interviewer.config import Settings

    with pytest.raises(ConfigError, match=f"^{name}='{value}' is invalid"):
        Settings.from_env({name: value, "INTERVIEWER_DB": str(tmp_path / "s.db")})


def test_doctor_rejects_a_grader_setting_the_registry_rejects(tmp_path):
    result = run_cli("doctor", "--no-speed", env={"INTERVIEWER_MODEL": "fake", "GRADER_MODEL": "llm:", "INTERVIEWER_DB": str(tmp_path / "s.db")})
    assert result.returncode == 1
    assert "unknown grader 'llm:'" in " ".join(result.stdout.split())


def test_brackets_in_an_error_are_printed_as_text_not_read_as_markup(tmp_path):
    result = run_cli("chat", "--persona", "[/x]", "--round", "technical", env={"INTERVIEWER_DB": str(tmp_path / "s.db")})
    assert result.returncode == 2
    assert "Unknown persona '[/x]'" in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
