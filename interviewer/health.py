"""Checks behind `interviewer doctor`: is each configured backend usable, and how fast is it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from langchain_core.messages import HumanMessage

from .config import Settings
from .errors import InterviewerError
from .models import BACKEND_ERRORS, ModelSpec, build_chat_model, describe_backend_error, limited, parse_spec


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not applicable / not checked
    detail: str


def server_reachable(base_url: str, settings: Settings, api_key: str | None = None) -> Check:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        reply = httpx.get(f"{base_url}/models", headers=headers, timeout=httpx.Timeout(settings.connect_timeout * 2, connect=settings.connect_timeout))
    except httpx.HTTPError as exc:
        return Check("server reachable", False, f"cannot reach {base_url} ({type(exc).__name__})")
    return Check("server reachable", reply.status_code < 500, f"{base_url} answered HTTP {reply.status_code}")


def measure_decode(spec: ModelSpec, settings: Settings, tokens: int = 48) -> Check:
    """Stream a short reply and report decode speed (tokens after the first, per second)."""
    try:
        model = build_chat_model(spec, settings, temperature=0.0)
        prompt = [HumanMessage("Describe, in several sentences, how an SMS message travels from an app to a phone.")]
        start = time.perf_counter()
        first = None
        pieces = 0
        for chunk in limited(model, max_tokens=tokens).stream(prompt):
            if chunk.content:
                pieces += 1
                first = first or time.perf_counter()
        end = time.perf_counter()
    except InterviewerError as exc:
        return Check("tokens/s", False, str(exc))
    except BACKEND_ERRORS as exc:
        return Check("tokens/s", False, describe_backend_error(exc, spec))
    if first is None or pieces < 2:
        return Check("tokens/s", False, "the model returned no text")
    rate = (pieces - 1) / max(end - first, 1e-6)
    return Check("tokens/s", True, f"{rate:.0f} tokens/s decode, first token after {1000 * (first - start):.0f} ms")


def check_model(role: str, spec_text: str, settings: Settings, *, speed: bool = True) -> list[Check]:
    try:
        spec = parse_spec(spec_text)
    except InterviewerError as exc:
        return [Check(f"{role} backend", False, str(exc))]
    checks = [Check(f"{role} backend", True, spec.label)]
    if spec.kind == "openai":
        key_needed = spec.base_url is None
        has_key = bool(settings.openai_api_key)
        checks.append(Check("OPENAI_API_KEY", has_key if key_needed else None, "set" if has_key else ("missing" if key_needed else "not needed")))
        if key_needed and not has_key:
            return checks
        checks.append(server_reachable(spec.base_url or "https://api.openai.com/v1", settings, settings.openai_api_key))
        if checks[-1].ok is False:
            return checks
    if spec.kind == "local":
        try:
            model = build_chat_model(spec, settings)
            start = time.perf_counter()
            model.llama  # noqa: B018 - loading is the check
            checks.append(Check("model loads", True, f"{model.model_path.name} in {time.perf_counter() - start:.2f} s"))
        except InterviewerError as exc:
            checks.append(Check("model loads", False, str(exc)))
            return checks
    if speed and spec.kind != "fake":
        checks.append(measure_decode(spec, settings))
    return checks
