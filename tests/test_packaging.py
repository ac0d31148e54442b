"""An installed copy (not the checkout) finds its prompts, rubrics and datasets from any directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_installed_package_finds_its_data(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet", "--target", str(target), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import interviewer, interviewer.catalog as c, interviewer.paths as p;"
        "print(interviewer.__file__);"
        "print(len(c.personas()), len(c.rounds()), len(c.rubrics()));"
        "print(p.data_dir('evals'));"
        "from interviewer.grading.registry import load_grader;"
        "from interviewer.transcript import Transcript;"
        "t = Transcript(turns=[{'role': 'interviewer', 'content': 'How do retries work?'},"
        " {'role': 'candidate', 'content': 'If the request times out, the client resends it with the same idempotency key, so the message is sent once.'}]);"
        "print(sorted(load_grader('rubric').grade(t).scores()));"
        "import interviewer.web, pathlib;"
        "print(sorted(x.name for x in (pathlib.Path(interviewer.web.__file__).parent / 'templates').glob('*.html')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=elsewhere,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    location, counts, evals_dir, graded, templates = result.stdout.split("\n")[:5]
    assert location.startswith(str(target))
    assert counts == "6 5 3"
    assert evals_dir.startswith(str(target))
    assert graded == "['platform_thinking', 'technical_empathy', 'telecom_depth']"
    assert "interview.html" in templates and "debrief.html" in templates
