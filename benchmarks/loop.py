"""How fast the interview loop is.

1. Our own overhead per turn (store commits, policy, guard, prompt building, streaming) with a
   zero-latency fake model: median and p95 ms over many answered turns, with the time spent inside the
   model call taken out (target: median < 5 ms).
2. Time to the first streamed interviewer word on the embedded model (SmolLM2-135M), per answered turn,
   next to the model's own first-token time for the same request.

    python benchmarks/loop.py                 # both
    python benchmarks/loop.py --no-local      # only the fake-model overhead
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from interviewer.config import Settings
from interviewer.interview.session import InterviewSession
from interviewer.models import FakeChatModel, LlamaCppChat, build_chat_model
from interviewer.store import SessionStore

ANSWERS = [
    "I would turn it into one messaging API with a channel fallback list, so developers stop writing that logic.",
    "The developer gets a status callback per attempt, with error codes that say which channel failed and why.",
    "We would route through carriers, watch delivery receipts per country, and respect opt-out on every channel.",
    "It should be a primitive other products can compose, versioned so we can add channels without breaking anyone.",
    "I would ship the fallback rules first, because that is where developers lose the most time today.",
    "How does the team decide what to build next?",
]
# A line the guard accepts for most probes, so the model path (not only the fallback) is timed.
MODEL_LINE = "You mentioned the developer and the channel. How would a developer know whether what they sent actually worked?"


class TimedSession(InterviewSession):
    """Measures the time spent waiting on the model, so it can be taken out of the per-turn figure."""

    model_seconds = 0.0

    def _model_sentences(self, messages, max_tokens):
        inner = super()._model_sentences(messages, max_tokens)
        while True:
            start = time.perf_counter()
            try:
                sentence = next(inner)
            except StopIteration:
                TimedSession.model_seconds += time.perf_counter() - start
                return
            TimedSession.model_seconds += time.perf_counter() - start
            yield sentence


def overhead(turns: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp())
    settings = Settings.from_env({"INTERVIEWER_DB": str(folder / "bench.db")})
    store = SessionStore(settings.store_path)
    totals: list[float] = []
    ours: list[float] = []
    while len(totals) < turns:
        model = FakeChatModel(default=MODEL_LINE)
        session = TimedSession.start(store, settings, "messaging-hm", "product_design", model, seed=len(totals))
        "".join(session.opening())
        for answer in ANSWERS:
            if session.done:
                break
            TimedSession.model_seconds = 0.0
            start = time.perf_counter()
            "".join(session.answer(answer))
            elapsed = time.perf_counter() - start
            totals.append(elapsed * 1000)
            ours.append((elapsed - TimedSession.model_seconds) * 1000)
    return {
        "turns": len(totals),
        "median_ms_excluding_model": statistics.median(ours),
        "p95_ms_excluding_model": statistics.quantiles(ours, n=20)[-1],
        "median_ms_including_fake_model_call": statistics.median(totals),
    }


class FirstTokenClock:
    """Records when the in-process model yields its first token for each request of a session."""

    def __init__(self) -> None:
        self.firsts: list[float] = []
        self._original = LlamaCppChat._stream

    def __enter__(self) -> "FirstTokenClock":
        clock = self

        def timed_stream(model, messages, stop=None, run_manager=None, **kwargs):
            start = time.perf_counter()
            for i, chunk in enumerate(clock._original(model, messages, stop=stop, run_manager=run_manager, **kwargs)):
                if i == 0:
                    clock.firsts.append((time.perf_counter() - start) * 1000)
                yield chunk

        LlamaCppChat._stream = timed_stream
        return self

    def __exit__(self, *exc) -> None:
        LlamaCppChat._stream = self._original


def local_first_token(turns: int, typing_pause: float) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp())
    settings = Settings.from_env({"INTERVIEWER_DB": str(folder / "bench.db")})
    store = SessionStore(settings.store_path)
    model = build_chat_model("local", settings)
    start = time.perf_counter()
    model.llama  # noqa: B018  (loads the weights, so their loading is reported apart)
    load_s = time.perf_counter() - start
    session = InterviewSession.start(store, settings, "messaging-hm", "product_design", model, seed=0)
    "".join(session.opening())
    time.sleep(typing_pause)  # the candidate reads the question and types; the session warms the model meanwhile
    first_words: list[float] = []
    whole_lines: list[float] = []
    sources: list[str] = []
    with FirstTokenClock() as model_clock:
        for answer in ANSWERS[:turns]:
            if session.done:
                break
            start = time.perf_counter()
            first = None
            for _ in session.answer(answer):
                first = first or time.perf_counter()
            first_words.append((first - start) * 1000)
            whole_lines.append((time.perf_counter() - start) * 1000)
            sources.append(session.last_decision.source)
    raw_first = model_clock.firsts
    return {
        "load_s": load_s,
        "turns": len(first_words),
        "median_ms_to_first_streamed_word": statistics.median(first_words),
        "max_ms_to_first_streamed_word": max(first_words),
        "median_ms_whole_line": statistics.median(whole_lines),
        "model_first_token_ms_median": statistics.median(raw_first) if raw_first else float("nan"),
        "model_first_token_ms_max": max(raw_first) if raw_first else float("nan"),
        "lines_from_model": sum(s != "curated" for s in sources),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300, help="answered turns for the overhead figure")
    parser.add_argument("--local-turns", type=int, default=6, help="answered turns on the embedded model")
    parser.add_argument("--typing-pause", type=float, default=3.0, help="seconds between the opening and the first answer")
    parser.add_argument("--no-local", action="store_true", help="skip the embedded-model measurement")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (other work on the machine slows the model figures)")
    figures = overhead(args.turns)
    print(f"loop overhead, zero-latency fake model, {figures['turns']} turns (SQLite commits included):")
    print(f"  median {figures['median_ms_excluding_model']:.2f} ms/turn excluding the model call "
          f"(p95 {figures['p95_ms_excluding_model']:.2f} ms; {figures['median_ms_including_fake_model_call']:.2f} ms including "
          f"LangChain's call into the fake model)  target < 5 ms")
    if args.no_local:
        return
    local = local_first_token(args.local_turns, args.typing_pause)
    print(f"embedded model (SmolLM2-135M), {local['turns']} answered turns, weights loaded in {local['load_s']:.2f} s:")
    print(f"  (the first answer comes {args.typing_pause:.0f} s after the opening, while the session warms the model's prompt cache)")
    print(f"  first streamed interviewer word: median {local['median_ms_to_first_streamed_word']:.0f} ms, "
          f"max {local['max_ms_to_first_streamed_word']:.0f} ms; whole line median {local['median_ms_whole_line']:.0f} ms")
    print(f"  the model's first streamed token on those requests: median {local['model_first_token_ms_median']:.0f} ms, "
          f"max {local['model_first_token_ms_max']:.0f} ms (the rest is the first sentence being written and checked)")
    print(f"  lines with model-written words that passed the guard: {local['lines_from_model']} of {local['turns']}")


if __name__ == "__main__":
    main()
