"""Read a transcript to grade from a file: a dataset-format line (JSONL), a JSON object, or plain text.

Plain text uses speaker prefixes, one turn per prefix; lines without a prefix continue the turn above:

    Interviewer: How would you design ...
    Candidate: I would start with ...
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import ValidationError

from ..errors import DataError
from ..transcript import Transcript, Turn

MAX_FILE_BYTES = 2_000_000
_SPEAKER = re.compile(r"^\s*(?:\*\*)?(interviewer|candidate|q|a|me|you)(?:\*\*)?\s*:\s*(?:\*\*)?\s*", re.IGNORECASE)
_ROLES = {"interviewer": "interviewer", "q": "interviewer", "you": "interviewer", "candidate": "candidate", "a": "candidate", "me": "candidate"}


def _from_object(obj: object, where: str) -> Transcript:
    try:
        transcript = Transcript.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "the object"
        raise DataError(f"{where} is not a transcript ({field}: {first['msg']}): give it a 'turns' list of {{role, content}} objects.") from exc
    if not transcript.candidate_turns():
        raise DataError(f"{where} has no candidate turn: there is nothing to grade.")
    return transcript


def parse_plain_text(text: str, where: str = "The text") -> Transcript:
    turns: list[Turn] = []
    for line in text.splitlines():
        match = _SPEAKER.match(line)
        if match:
            turns.append(Turn(role=_ROLES[match.group(1).lower()], content=line[match.end():].strip()))
        elif turns and line.strip():
            turns[-1] = Turn(role=turns[-1].role, content=(turns[-1].content + "\n" + line.strip()).strip())
    turns = [t for t in turns if t.content]
    if not any(t.role == "candidate" for t in turns):
        raise DataError(f"{where} has no 'Candidate:' lines: prefix each turn with 'Interviewer:' or 'Candidate:'.")
    return Transcript(turns=turns)


def read_transcript(path: Path | str, *, item_id: str | None = None) -> Transcript:
    """The one transcript in a file; a JSONL file with several lines needs ``item_id``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DataError(f"{path} is {size // 1000} kB, too large for one interview round: give a single transcript.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"There is no file {path}: check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"Cannot read {path} ({exc}): give a UTF-8 text, JSON or JSONL file.") from exc
    if not text.strip():
        raise DataError(f"{path} is empty: give a transcript to grade.")
    stripped = text.lstrip()
    looks_like_json = stripped.startswith(("{", "[")) and not any(_SPEAKER.match(line) for line in text.splitlines())
    if not looks_like_json:
        return parse_plain_text(text, str(path))
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        objects = [json.loads(text)]
    except json.JSONDecodeError:
        objects = []
        for number, line in enumerate(lines, 1):
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path} line {number} is not valid JSON ({exc.msg}): fix it or give the transcript as plain text.") from None
    if len(objects) == 1 and isinstance(objects[0], list):  # a bare list of turns
        objects = [{"turns": objects[0]}]
    if item_id is not None:
        chosen = [o for o in objects if isinstance(o, dict) and o.get("id") == item_id]
        if not chosen:
            raise DataError(f"{path} has no transcript with id '{item_id}'.")
        return _from_object(chosen[0], f"{path} ({item_id})")
    if len(objects) > 1:
        raise DataError(f"{path} holds {len(objects)} transcripts: choose one with --id, or use `interviewer eval` for a whole dataset.")
    return _from_object(objects[0], str(path))
