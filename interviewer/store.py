"""The session store: one SQLite file that keeps every turn the moment it exists.

WAL journal, one commit per append: a Ctrl-C, a kill -9 or a crash loses nothing that was appended.
The schema grows through ``MIGRATIONS``, an append-only list keyed by ``PRAGMA user_version``, so a
newer version of this code opens a store written by an older one. Never edit or reorder a migration;
add a new one at the end.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import BaseModel, ValidationError

from .errors import DataError
from .grading.scorecard import Scorecard
from .transcript import Role, Transcript, Turn

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions, their turns and their debriefs
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        persona TEXT NOT NULL,
        round TEXT NOT NULL,
        interviewer_model TEXT NOT NULL,
        grader TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'ended'))
    );
    CREATE TABLE turns (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        idx INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('interviewer', 'candidate')),
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        tokens INTEGER,
        phase TEXT NOT NULL,
        decision TEXT,
        PRIMARY KEY (session_id, idx)
    );
    CREATE TABLE debriefs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at TEXT NOT NULL,
        grader TEXT NOT NULL,
        rubric_version TEXT NOT NULL,
        scorecard TEXT NOT NULL
    );
    CREATE INDEX sessions_by_update ON sessions(updated_at);
    """,
    # 2: the round's question plan and the model settings, so a resumed session asks what it planned
    """
    ALTER TABLE sessions ADD COLUMN plan TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE sessions ADD COLUMN model_settings TEXT NOT NULL DEFAULT '{}';
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def new_session_id() -> str:
    """A random id that is safe to type on a command line: a leading '-' would read as an option (`resume -leT...`)."""
    while (session_id := secrets.token_urlsafe(16)).startswith("-"):
        pass
    return session_id


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class SessionInfo(BaseModel):
    id: str
    persona: str
    round: str
    interviewer_model: str
    grader: str
    created_at: datetime
    updated_at: datetime
    status: Literal["active", "ended"]
    turn_count: int = 0
    plan: dict[str, Any] = {}
    model_settings: dict[str, Any] = {}


class StoredTurn(BaseModel):
    session_id: str
    idx: int
    role: Role
    content: str
    created_at: datetime
    tokens: int | None = None
    phase: str
    decision: dict[str, Any] | None = None


_SESSION_COLUMNS = (
    "s.id, s.persona, s.round, s.interviewer_model, s.grader, s.created_at, s.updated_at, s.status, "
    "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id), s.plan, s.model_settings"
)


def _session_from_row(row: tuple) -> SessionInfo:
    keys = ("id", "persona", "round", "interviewer_model", "grader", "created_at", "updated_at", "status", "turn_count")
    values = dict(zip(keys, row[:9]))
    values["plan"] = json.loads(row[9] or "{}")
    values["model_settings"] = json.loads(row[10] or "{}")
    return SessionInfo.model_validate(values)


class SessionStore:
    """Thread-safe: one connection per thread, each in WAL mode, so a web server can share a store."""

    def __init__(self, path: Path | str):
        self.path = Path(path).expanduser()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"Cannot create the folder for the session store {self.path} ({exc.strerror}): set INTERVIEWER_DB to a writable path.") from exc
        self._local = threading.local()
        self._migrate_lock = threading.Lock()
        self._migrate()

    # --- connections and schema ----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            self._enable_wal(conn)
            # NORMAL in WAL mode survives any crash of this process (kill -9); only an OS crash could drop the last commit.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{self.path} is not a usable session store ({exc}): move it away or set INTERVIEWER_DB to another file.") from exc
        self._local.conn = conn
        return conn

    @staticmethod
    def _enable_wal(conn: sqlite3.Connection) -> None:
        # Switching a new file to WAL needs a moment alone with it, and SQLite does not wait for that
        # itself: another process opening the same new store at once makes it fail with "locked".
        for attempt in range(100):
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise DataError(f"The session store {self.path} failed ({exc}): check the disk and the file's permissions.") from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._connect().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise DataError(f"Cannot read the session store {self.path} ({exc}): move it away or set INTERVIEWER_DB to another file.") from exc

    def schema_version(self) -> int:
        return self._query("PRAGMA user_version")[0][0]

    def _migrate(self) -> None:
        """Apply the missing migrations, each in its own write transaction.

        The version is read inside the transaction, so two processes opening a new store at once
        (a chat and a test, a chat and the web server) cannot both apply the same step.
        """
        with self._migrate_lock:
            while True:
                with self._transaction() as conn:
                    version = conn.execute("PRAGMA user_version").fetchone()[0]
                    if version > SCHEMA_VERSION:
                        raise DataError(
                            f"The session store {self.path} was written by a newer version of interviewer (schema {version}, "
                            f"this one knows {SCHEMA_VERSION}): upgrade interviewer or set INTERVIEWER_DB to another file."
                        )
                    if version == SCHEMA_VERSION:
                        return
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version + 1}")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- sessions ------------------------------------------------------------------------------

    def create_session(
        self,
        persona: str,
        round: str,
        interviewer_model: str,
        grader: str,
        *,
        plan: dict[str, Any] | None = None,
        model_settings: dict[str, Any] | None = None,
    ) -> SessionInfo:
        session_id = new_session_id()
        now = _now()
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id, persona, round, interviewer_model, grader, created_at, updated_at, status, plan, model_settings)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
                (session_id, persona, round, interviewer_model, grader, now, now, json.dumps(plan or {}), json.dumps(model_settings or {})),
            )
        return self.get_session(session_id)

    def get_session(self, session_id: str) -> SessionInfo:
        """The session with this id, or with this unique id prefix (ids are long to type)."""
        session_id = (session_id or "").strip()
        rows = self._query(f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE s.id = ?", (session_id,))
        if not rows and len(session_id) >= 4:
            rows = self._query(
                f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE substr(s.id, 1, ?) = ? LIMIT 2", (len(session_id), session_id)
            )
            if len(rows) > 1:
                raise DataError(f"Session id prefix '{session_id}' matches several sessions: type more of the id (see `interviewer sessions`).")
        if not rows:
            raise DataError(f"No session '{session_id}' in {self.path}: run `interviewer sessions` to list them.")
        return _session_from_row(rows[0])

    def list_sessions(self, limit: int = 50) -> list[SessionInfo]:
        rows = self._query(f"SELECT {_SESSION_COLUMNS} FROM sessions s ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?", (limit,))
        return [_session_from_row(row) for row in rows]

    def latest_session_id(self) -> str | None:
        rows = self._query("SELECT id FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT 1")
        return rows[0][0] if rows else None

    def end_session(self, session_id: str) -> None:
        session_id = self.get_session(session_id).id
        with self._transaction() as conn:
            conn.execute("UPDATE sessions SET status = 'ended', updated_at = ? WHERE id = ?", (_now(), session_id))

    # --- turns ---------------------------------------------------------------------------------

    def append_turn(
        self,
        session_id: str,
        role: Role,
        content: str,
        *,
        phase: str,
        decision: dict[str, Any] | BaseModel | None = None,
        tokens: int | None = None,
    ) -> int:
        """Commit one turn now; returns its index in the session (0, 1, ...)."""
        if role not in ("interviewer", "candidate"):
            raise DataError(f"A turn's role must be interviewer or candidate, not '{role}'.")
        if isinstance(decision, BaseModel):
            decision = decision.model_dump(mode="json")
        now = _now()
        with self._transaction() as conn:
            found = conn.execute("SELECT status FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if found is None:
                raise DataError(f"No session '{session_id}' in {self.path}: run `interviewer sessions` to list them.")
            idx = conn.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM turns WHERE session_id = ?", (session_id,)).fetchone()[0]
            conn.execute(
                "INSERT INTO turns (session_id, idx, role, content, created_at, tokens, phase, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, idx, role, content, now, tokens, phase, json.dumps(decision) if decision is not None else None),
            )
            conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
        return idx

    def turns(self, session_id: str) -> list[StoredTurn]:
        session_id = self.get_session(session_id).id
        rows = self._query(
            "SELECT session_id, idx, role, content, created_at, tokens, phase, decision FROM turns WHERE session_id = ? ORDER BY idx",
            (session_id,),
        )
        keys = ("session_id", "idx", "role", "content", "created_at", "tokens", "phase", "decision")
        turns = []
        for row in rows:
            values = dict(zip(keys, row))
            values["decision"] = json.loads(values["decision"]) if values["decision"] else None
            turns.append(StoredTurn.model_validate(values))
        return turns

    def transcript(self, session_id: str) -> Transcript:
        info = self.get_session(session_id)
        turns = [Turn(role=t.role, content=t.content) for t in self.turns(info.id)]
        if not any(t.role == "candidate" for t in turns):
            raise DataError(f"Session {info.id} has no answers yet: answer at least one question before grading or exporting it.")
        return Transcript(id=info.id, persona=info.persona, round=info.round, turns=turns)

    def export_line(self, session_id: str) -> dict[str, Any]:
        """The session as one line of the labeled-dataset format (shared/spec/dataset-format.md), without gold."""
        info = self.get_session(session_id)
        transcript = self.transcript(info.id)
        return {
            "id": info.id,
            "persona": info.persona,
            "round": info.round,
            "turns": [turn.model_dump() for turn in transcript.turns],
            "interviewer_model": info.interviewer_model,
            "created_at": info.created_at.isoformat(),
        }

    # --- debriefs ------------------------------------------------------------------------------

    def save_debrief(self, session_id: str, scorecard: Scorecard) -> None:
        session_id = self.get_session(session_id).id
        now = _now()
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO debriefs (session_id, created_at, grader, rubric_version, scorecard) VALUES (?, ?, ?, ?, ?)",
                (session_id, now, scorecard.grader, scorecard.rubric_version, scorecard.model_dump_json()),
            )
            conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))

    def latest_debrief(self, session_id: str) -> Scorecard | None:
        session_id = self.get_session(session_id).id
        rows = self._query("SELECT scorecard FROM debriefs WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,))
        return self._scorecard(rows[0][0]) if rows else None

    def debriefs(self) -> list[tuple[SessionInfo, Scorecard]]:
        """Every session's latest debrief, oldest session first (the order a progress chart wants)."""
        rows = self._query(
            f"SELECT {_SESSION_COLUMNS}, d.scorecard FROM debriefs d JOIN sessions s ON s.id = d.session_id"
            " WHERE d.id = (SELECT MAX(id) FROM debriefs WHERE session_id = d.session_id) ORDER BY s.created_at, s.rowid"
        )
        return [(_session_from_row(row[:11]), self._scorecard(row[11])) for row in rows]

    def _scorecard(self, text: str) -> Scorecard:
        try:
            return Scorecard.model_validate_json(text)
        except ValidationError as exc:
            raise DataError(f"A stored debrief in {self.path} is not a valid scorecard ({exc.errors()[0]['msg']}): grade the session again.") from exc
