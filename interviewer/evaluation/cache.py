"""A cache of grader outputs, so re-running an eval costs nothing.

Keyed by sha256 of (transcript JSON, grader setting, samples, rubric version, package version): change any of
them and the grade is recomputed. Stored in one SQLite file under the user's cache directory.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from platformdirs import user_cache_dir
from pydantic import ValidationError

from ..config import APP_NAME
from ..grading.scorecard import Scorecard
from ..transcript import Transcript


def default_cache_path() -> Path:
    return Path(user_cache_dir(APP_NAME)) / "grades.sqlite"


def package_version() -> str:
    try:
        return version(APP_NAME)
    except PackageNotFoundError:
        return "unknown"


def cache_key(transcript: Transcript, grader: str, samples: int, rubric_version: str) -> str:
    payload = json.dumps(
        {
            "transcript": transcript.model_dump(mode="json"),
            "grader": grader,
            "samples": samples,
            "rubric_version": rubric_version,
            "package_version": package_version(),
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
