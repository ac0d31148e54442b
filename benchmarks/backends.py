"""Embedded-model figures: load time, time to first token (cold and with a cached prefix), decode speed.

    python benchmarks/backends.py [--runs 5] [--model local|local:/path.gguf|openai:<m>@<url>]

Prints medians over --runs repetitions. A benchmark, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from langchain_core.messages import HumanMessage, SystemMessage

from interviewer.config import Settings
from interviewer.models import build_chat_model, gguf_path, limited, parse_spec

SYSTEM = (
    "You are Adaeze, who leads product for Twilio Programmable Messaging, interviewing a product-manager candidate. "
    "Ask one short, probing question at a time and never answer it yourself."
)


def timed_stream(model, question: str, max_tokens: int) -> tuple[float, float, int]:
    """(seconds to first token, decode tokens/s after the first, tokens streamed)."""
    start = time.perf_counter()
    first = None
    count = 0
    for chunk in limited(model, max_tokens=max_tokens, temperature=0.0).stream([SystemMessage(SYSTEM), HumanMessage(question)]):
        if chunk.content:
            count += 1
            first = first or time.perf_counter()
    end = time.perf_counter()
    if first is None:
        return float("nan"), float("nan"), 0
    return first - start, (count - 1) / max(end - first, 1e-9), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", default="local")
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    settings = Settings.from_env()
    spec = parse_spec(args.model)

    if spec.kind == "local":
        from llama_cpp import Llama

        path = gguf_path(spec)
        loads = []
        for _ in range(args.runs):
            start = time.perf_counter()
            llama = Llama(model_path=str(path), n_ctx=settings.local_context, n_threads=settings.local_threads, verbose=False)
            loads.append(time.perf_counter() - start)
            del llama
        print(f"model           {spec.label}")
        print(f"load            {statistics.median(loads) * 1000:.0f} ms (median of {args.runs})")

    model = build_chat_model(spec, settings)
    cold, warm, rates = [], [], []
    for run in range(args.runs):
        # a new question each run: only the system prompt is a reusable prefix
        ttft, rate, _ = timed_stream(model, f"Question {run}: how would you design delivery receipts for SMS?", args.tokens)
        cold.append(ttft)
        rates.append(rate)
        ttft_again, _, _ = timed_stream(model, f"Question {run}: how would you design delivery receipts for SMS?", args.tokens)
        warm.append(ttft_again)
    print(f"first token     {statistics.median(cold) * 1000:.0f} ms new prompt, {statistics.median(warm) * 1000:.0f} ms same prompt again (cached prefix)")
    print(f"decode          {statistics.median(rates):.0f} tokens/s (median of {args.runs}, {args.tokens}-token replies)")


if __name__ == "__main__":
    main()
