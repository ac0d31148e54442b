"""Where the shipped data (prompts/, rubrics/, evals/) lives, in a checkout and in an installed copy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder of shipped data called ``name`` ("prompts", "rubrics" or "evals")."""
    in_checkout = _REPO_ROOT / name
    if in_checkout.is_dir() and (_REPO_ROOT / "pyproject.toml").is_file():
        return in_checkout
    spec = importlib.util.find_spec(f"interviewer._data.{name}")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the packaged {name}/ folder is missing: reinstall the package")
    return Path(next(iter(spec.submodule_search_locations)))
