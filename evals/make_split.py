"""Build the shipped datasets from the writers' parts: dev.jsonl (all), and a fixed train/test split.

Deterministic: the same parts always give the same split. The test split takes 15 items from each
of the first three writers, stratified by recommendation, so that their styles are in both halves;
writers added later (e, f) go to train only, so the test split never changes under a grader.

    python evals/make_split.py
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent / "datasets"
TEST_PER_WRITER = 15
TEST_WRITERS = ("writer_a", "writer_b", "writer_c")
SEED = 20261126


def main() -> None:
    rows = []
    for part in sorted((HERE / "parts").glob("*.jsonl")):
        rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_writer: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_writer[row["writer"]].append(row)
    test_ids: set[str] = set()
    rng = random.Random(SEED)
    for writer, items in sorted(by_writer.items()):
        if writer not in TEST_WRITERS:
            continue
        strata: dict[str, list[dict]] = defaultdict(list)
        for item in sorted(items, key=lambda r: r["id"]):
            strata[item["gold"]["recommendation"]].append(item)
        for bucket in strata.values():
            rng.shuffle(bucket)
        # round-robin over recommendation strata until the writer's quota is filled
        picked: list[str] = []
        while len(picked) < TEST_PER_WRITER:
            for label in sorted(strata):
                if strata[label] and len(picked) < TEST_PER_WRITER:
                    picked.append(strata[label].pop()["id"])
        test_ids.update(picked)
    ordered = sorted(rows, key=lambda r: r["id"])
    write(HERE / "dev.jsonl", ordered)
    write(HERE / "test.jsonl", [r for r in ordered if r["id"] in test_ids])
    write(HERE / "train.jsonl", [r for r in ordered if r["id"] not in test_ids])
    print(f"dev {len(ordered)}, train {len(ordered) - len(test_ids)}, test {len(test_ids)}")


def write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
