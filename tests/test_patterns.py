"""Regular expressions in data files are checked when the file loads."""

import pytest
from pydantic import BaseModel, ValidationError

from interviewer.catalog import Drill, WrongFact
from interviewer.interview.policy import EvidenceCues
from interviewer.patterns import Pattern


class Holder(BaseModel):
    pattern: Pattern
    optional: Pattern | None = None
    words: tuple[Pattern, ...] = ()


def test_a_pattern_that_compiles_is_kept_as_written():
    held = Holder(pattern=r"\bwebhooks?\b", optional=None, words=("retr(y|ies)",))
    assert held.pattern == r"\bwebhooks?\b"
    assert held.words == ("retr(y|ies)",)


@pytest.mark.parametrize("field", ["pattern", "optional", "words"])
def test_a_pattern_that_does_not_compile_names_itself(field):
    value = ("(unclosed",) if field == "words" else "(unclosed"
    fields = {"pattern": "ok", field: value}
    with pytest.raises(ValidationError, match=r"the pattern '\(unclosed' does not compile"):
        Holder(**fields)


def test_every_data_model_with_patterns_checks_them():
    with pytest.raises(ValidationError, match="does not compile"):
        WrongFact(id="x", pattern="ok", claim="c", correction="c", unless=("[a-",))
    with pytest.raises(ValidationError, match="does not compile"):
        Drill(text="Practise segments.", about="segment(")
    with pytest.raises(ValidationError, match="does not compile"):
        EvidenceCues(enough=1, cues={"telecom_depth": ["carrier)"]})
