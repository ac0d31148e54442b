"""Each dimension's move cues (strong: a level-3/4 move, anti: a level-1 move) catch the sentences that make the
move and leave alone those that reject it, contrast it, report it as a past mistake or ask about it."""

from pathlib import Path

import pytest
import yaml

from interviewer.grading.features import _sentence, cues

EXAMPLES = yaml.safe_load((Path(__file__).parent / "cue_examples.yaml").read_text(encoding="utf-8"))
CASES = [
    (dimension, kind, move, sentence, expected)
    for dimension, kinds in EXAMPLES.items()
    for kind, moves in kinds.items()
    for move, examples in moves.items()
    for expected, key in ((True, "says"), (False, "does_not_say"))
    for sentence in examples[key]
]


@pytest.mark.parametrize("dimension, kind, move, sentence, expected", CASES, ids=[f"{c[1]}-{c[2]}-{'says' if c[4] else 'not'}-{i}" for i, c in enumerate(CASES)])
def test_a_move_is_counted_only_when_the_candidate_makes_it(dimension, kind, move, sentence, expected):
    counts = getattr(_sentence(sentence, 0, cues()), kind)
    assert (counts[dimension] > 0) is expected
