"""`interviewer serve`: loopback by default, one sentence when it cannot listen."""

from __future__ import annotations

import socket
import subprocess
import sys

from interviewer.cli.serve import is_loopback

CLI = [sys.executable, "-c", "from interviewer.cli import main; main()"]


def test_only_loopback_addresses_count_as_local():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "example.com"))


def test_serve_defaults_to_127_0_0_1_port_8000():
    result = subprocess.run([*CLI, "serve", "--help"], capture_output=True, text=True, timeout=60, env={"COLUMNS": "200", "NO_COLOR": "1", "PATH": ""})
    assert result.returncode == 0 and "127.0.0.1" in result.stdout and "8000" in result.stdout


def test_a_port_in_use_is_one_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*CLI, "serve", "--model", "fake", "--port", str(port)],
            capture_output=True, text=True, timeout=60, env={"INTERVIEWER_DB": str(tmp_path / "s.db"), "NO_COLOR": "1", "COLUMNS": "200", "PATH": ""},
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
