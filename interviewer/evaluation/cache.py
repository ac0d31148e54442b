"""A cache of grader outputs, so re-running an eval costs nothing.

Keyed by sha256 of (transcript JSON, grader setting, samples, rubric version, package version, grading code):
change any of them and the grade is recomputed. The grading code fingerprint covers the grader modules, the
fitted offline model, the grader prompt and the rubric data files (the offline grader's cue lexicon included),
so a refit, a prompt edit or a cue edit never serves stale grades while the versions stay the same. Stored in one SQLite file under the user's cache directory.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from platformdirs import user_cache_dir
from pydantic import ValidationError

from ..config import APP_NAME
from ..grading.scorecard import Scorecard
from ..paths import data_dir
from ..transcript import Transcript


def default_cache_path() -> Path:
    return Path(user_cache_dir(APP_NAME)) / "grades.sqlite"


def package_version() -> str:
    try:
        return version(APP_NAME)
    except PackageNotFoundError:
        return "unknown"


def grading_files() -> list[Path]:
    """Everything that decides a grade: grader code, fitted model files, the grader prompt, and the rubric data
    (rubrics/*.yaml and the offline grader's rubrics/offline/cues.yaml), whose edits need not bump the rubric version."""
    grading = Path(__file__).resolve().parent.parent / "grading"
    rubric_data = sorted(data_dir("rubrics").rglob("*.yaml"))
    return [*sorted([*grading.glob("*.py"), *grading.glob("*.json")]), data_dir("prompts") / "grader_system.md", *rubric_data]


def fingerprint_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def grading_fingerprint() -> str:
    return fingerprint_of(grading_files())


def cache_key(transcript: Transcript, grader: str, samples: int, rubric_version: str, fingerprint: str = "") -> str:
    payload = json.dumps(
        {
            "transcript": transcript.model_dump(mode="json"),
            "grader": grader,
            "samples": samples,
            "rubric_version": rubric_version,
            "package_version": package_version(),
            "grading_code": fingerprint,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class GradeCache:
    """Scorecards by cache key. Unusable cache storage degrades to no caching rather than failing the eval."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_cache_path()
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS grades (key TEXT PRIMARY KEY, scorecard TEXT NOT NULL)")
            self._db.commit()
        except (OSError, sqlite3.Error):
            self._db = None

    def get(self, key: str) -> Scorecard | None:
        row = None
        if self._db is not None:
            with self._lock:
                row = self._db.execute("SELECT scorecard FROM grades WHERE key = ?", (key,)).fetchone()
        if row is not None:
            try:
                card = Scorecard.model_validate_json(row[0])
            except ValidationError:  # written by an older Scorecard contract: grade again
                card = None
            if card is not None:
                self.hits += 1
                return card
        self.misses += 1
        return None

    def put(self, key: str, scorecard: Scorecard) -> None:
        if self._db is None:
            return
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO grades (key, scorecard) VALUES (?, ?)", (key, scorecard.model_dump_json())
                )
                self._db.commit()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
