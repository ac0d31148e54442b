"""Token counting works with the network unreachable: tiktoken's cache is seeded from a shipped wheel."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from interviewer.models import FakeChatModel
from interviewer.tokens import context_window, count_tiktoken, counter_for


def test_counts_tokens_offline_from_an_empty_cache(tmp_path):
    script = textwrap.dedent(
        """
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network is unreachable in this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        import tiktoken
        from interviewer.tokens import count_tiktoken, encoding
        print(count_tiktoken("Idempotency keys make retries safe."), encoding("cl100k_base").name)
        print(len(tiktoken.encoding_for_model("gpt-4o").encode("hello world")))
        """
    )
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("\n")[:2]
    assert int(first.split()[0]) > 3 and first.split()[1] == "cl100k_base"
    assert second == "2"
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_counter_prefers_the_models_own_tokenizer():
    assert counter_for(FakeChatModel())("three little words") == 3
    assert counter_for(object()) is count_tiktoken


def test_context_window_defaults():
    class Local:
        n_ctx = 4096

    class Remote:
        model_name = "gpt-4o-mini"

    assert context_window(Local()) == 4096
    assert context_window(Remote()) == 128_000
    assert context_window(object()) == 8192
