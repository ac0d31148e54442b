"""Settings, read in one place from the environment (and from .env, which the CLI loads once at start)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import BaseModel, Field, ValidationError

from .errors import ConfigError

APP_NAME = "twilio-pm-interviewer"
DEFAULT_MAX_ANSWER_CHARS = 8000


class Settings(BaseModel):
    """Every knob a user can turn. Environment variable names are given beside each field."""

    interviewer_model: str = Field("local", description="INTERVIEWER_MODEL: local | local:/path.gguf | openai:<m> | openai:<m>@<url>")
    grader: str = Field("rubric", description="GRADER_MODEL: rubric | llm:<model spec>")
    store_path: Path = Field(description="INTERVIEWER_DB: the SQLite session store")
    openai_api_key: str | None = Field(None, description="OPENAI_API_KEY")
    connect_timeout: float = Field(3.0, description="INTERVIEWER_CONNECT_TIMEOUT: seconds to reach a server")
    request_timeout: float = Field(120.0, description="INTERVIEWER_REQUEST_TIMEOUT: seconds for a whole reply")
    local_context: int = Field(4096, description="INTERVIEWER_LOCAL_CONTEXT: context window for local GGUF models")
    local_threads: int | None = Field(None, description="INTERVIEWER_LOCAL_THREADS: CPU threads for local models")
    max_answer_chars: int = Field(DEFAULT_MAX_ANSWER_CHARS, description="INTERVIEWER_MAX_ANSWER_CHARS: longest accepted candidate answer")

    def with_interviewer_model(self, spec: str | None) -> "Settings":
        """These settings with another interviewer model (a --model option); the same settings when ``spec`` is empty."""
        return self.model_copy(update={"interviewer_model": spec}) if spec else self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        values: dict[str, object] = {
            "store_path": Path(get("INTERVIEWER_DB") or Path(user_data_dir(APP_NAME)) / "sessions.db").expanduser(),
            "openai_api_key": get("OPENAI_API_KEY"),
        }
        for field, name in ENV_NAMES.items():
            if (value := get(name)) is not None:
                values[field] = value
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            name = ENV_NAMES.get(field, field)
            raise ConfigError(f"{name}={first.get('input')!r} is invalid ({first['msg']}): fix it in the environment or .env.") from None


# The environment variable behind each Settings field that is read as given.
ENV_NAMES = {
    "interviewer_model": "INTERVIEWER_MODEL",
    "grader": "GRADER_MODEL",
    "connect_timeout": "INTERVIEWER_CONNECT_TIMEOUT",
    "request_timeout": "INTERVIEWER_REQUEST_TIMEOUT",
    "local_context": "INTERVIEWER_LOCAL_CONTEXT",
    "local_threads": "INTERVIEWER_LOCAL_THREADS",
    "max_answer_chars": "INTERVIEWER_MAX_ANSWER_CHARS",
}
