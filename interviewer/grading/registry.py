"""Grader settings -> graders: `rubric` (offline, the default) or `llm:<model spec>`.

The eval suite, the CLI and the web front end all build graders here, so one setting string names the
same grader everywhere and is recorded as `Scorecard.grader`.
"""

from __future__ import annotations

from ..config import Settings
from ..errors import ConfigError
from . import Grader

OFFLINE = "rubric"
LLM_PREFIX = "llm:"
MAX_SAMPLES = 15


def llm_model_spec(setting: str) -> str | None:
    """The model spec of an `llm:<model spec>` setting; None for any other setting (the offline grader, an unknown one)."""
    setting = setting.strip()
    spec = setting[len(LLM_PREFIX):].strip() if setting.startswith(LLM_PREFIX) else ""
    return spec or None


def load_grader(setting: str | None = None, *, samples: int = 1, settings: Settings | None = None) -> Grader:
    """The grader a setting names; an unknown setting or a bad sample count is a ConfigError."""
    settings = settings or Settings.from_env()
    setting = (setting or settings.grader or OFFLINE).strip()
    if not isinstance(samples, int) or not 1 <= samples <= MAX_SAMPLES:
        raise ConfigError(f"--samples must be a whole number from 1 to {MAX_SAMPLES}, not {samples!r}.")
    if setting == OFFLINE:
        if samples != 1:
            raise ConfigError("--samples only applies to llm:<model> graders: the rubric grader is deterministic.")
        from .offline import OfflineGrader

        return OfflineGrader()
    spec = llm_model_spec(setting)
    if spec is not None:
        from ..models import build_chat_model
        from .llm import LLMGrader

        model = build_chat_model(spec, settings, temperature=0.0)
        return LLMGrader(model, name=setting, samples=samples)
    raise ConfigError(f"Unknown grader '{setting}': use rubric (offline) or llm:<model spec>, e.g. llm:local or llm:openai:gpt-4o-mini.")
