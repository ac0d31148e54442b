"""Regular expressions kept in data files (cues, wrong facts, drills, reply patterns).

`Pattern` checks that the expression compiles when the file loads, so a typo in a YAML file is reported with the file
and the expression instead of failing mid-interview.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator


def must_compile(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"the pattern {value!r} does not compile: {exc}") from exc
    return value


Pattern = Annotated[str, AfterValidator(must_compile)]
