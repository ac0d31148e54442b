"""The web server runs turns and gradings in threads; an in-process llama.cpp model must never run two calls at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from interviewer.models import LlamaCppChat


class OneAtATimeLlama:
    """Stands in for llama_cpp.Llama and records how many calls overlap."""

    def __init__(self):
        self.inside = 0
        self.most_inside = 0
        self.guard = threading.Lock()

    def _enter(self):
        with self.guard:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)

    def _leave(self):
        with self.guard:
            self.inside -= 1

    def create_chat_completion(self, messages, stream=False, **params):
        if not stream:
            self._enter()
            time.sleep(0.05)
            self._leave()
            return {"choices": [{"message": {"content": "done"}, "finish_reason": "stop"}], "usage": {}}

        def parts():
            self._enter()
            try:
                for word in ("one ", "two ", "three"):
                    time.sleep(0.02)
                    yield {"choices": [{"delta": {"content": word}}]}
            finally:
                self._leave()

        return parts()

    def tokenize(self, data, add_bos=False, special=False):
        self._enter()
        time.sleep(0.01)
        self._leave()
        return data.split()


def test_streams_generations_and_token_counts_from_several_threads_never_overlap():
    llama, vocab = OneAtATimeLlama(), OneAtATimeLlama()
    chat = LlamaCppChat(model_path=Path("unused.gguf"))
    chat._llama, chat._vocab = llama, vocab
    results: list[str] = []

    def stream():
        results.append("".join(chunk.text for chunk in chat.stream("hi")))

    def generate():
        results.append(chat.invoke("hi").text)

    def count():
        results.append(str(chat.count_tokens("a b c")))

    threads = [threading.Thread(target=work) for work in (stream, generate, count, stream, generate, count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == sorted(["one two three", "done", "3"] * 2)
    assert llama.most_inside == 1
    assert vocab.most_inside == 1


def test_a_stream_closed_early_frees_the_model_for_the_next_call():
    chat = LlamaCppChat(model_path=Path("unused.gguf"))
    chat._llama = OneAtATimeLlama()
    stream = chat.stream("hi")
    next(stream)
    stream.close()
    finished = threading.Event()
    threading.Thread(target=lambda: (chat.invoke("hi"), finished.set()), daemon=True).start()
    assert finished.wait(timeout=5)


def test_a_token_count_does_not_wait_for_a_generation_in_progress():
    chat = LlamaCppChat(model_path=Path("unused.gguf"))
    chat._llama, chat._vocab = OneAtATimeLlama(), OneAtATimeLlama()
    stream = chat.stream("hi")
    next(stream)  # the generation model is now held until the stream ends
    counted = threading.Event()
    threading.Thread(target=lambda: (chat.count_tokens("a b c"), counted.set()), daemon=True).start()
    try:
        assert counted.wait(timeout=2)
        assert chat._llama.most_inside == 1 and chat._llama.inside == 1  # the count never touched the generating model
    finally:
        stream.close()
