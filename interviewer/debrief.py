"""Scorecard -> a hiring-committee debrief, for the terminal (rich renderables) and as Markdown.

The debrief shows: the summary and recommendation, the scores table, the evidence behind each score,
strengths, concerns, what a 4 would have sounded like on the weakest dimension (from the rubric), and the
next drills. Candidate quotes are printed as text, never interpreted as markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .catalog import rubrics
from .config import Settings
from .grading.narrative import by_strength
from .grading.registry import load_grader
from .grading.scorecard import DIMENSIONS, LEVEL_LABELS, Scorecard
from .store import SessionStore

VERDICT_STYLE = {"strong_no_hire": "bold red", "no_hire": "red", "hire": "green", "strong_hire": "bold green"}


def verdict(recommendation: str) -> str:
    return recommendation.replace("_", " ").upper()


def weakest_dimension(scorecard: Scorecard) -> str:
    return by_strength(scorecard.scores())[0]


def what_a_4_sounds_like(scorecard: Scorecard) -> tuple[str, str, str] | None:
    """(dimension title, the rubric's description of a 4, an example level-4 answer) for the weakest dimension."""
    dimension = weakest_dimension(scorecard)
    if scorecard.dimensions[dimension].score == 4:
        return None
    rubric = rubrics()[dimension]
    example = (rubric.examples.get(4) or [""])[0]
    return rubric.title, rubric.what_a_4_sounds_like, example


def _score_cell(score: int, spread: float | None) -> Text:
    style = {1: "red", 2: "yellow", 3: "green", 4: "bold green"}[score]
    text = Text(f"{score} {LEVEL_LABELS[score]}", style=style)
    if spread:
        text.append(f" (±{spread:g})", style="dim")
    return text


def render(scorecard: Scorecard, *, title: str = "Hiring committee debrief") -> RenderableType:
    """The whole debrief as one rich renderable."""
    catalog = rubrics()
    parts: list[RenderableType] = []
    header = Text()
    header.append(verdict(scorecard.recommendation), style=VERDICT_STYLE[scorecard.recommendation])
    header.append(f"  {scorecard.summary}")
    parts.append(header)

    table = Table(show_lines=True, expand=True)
    table.add_column("dimension", no_wrap=True)
    table.add_column("score", no_wrap=True)
    table.add_column("why", ratio=1)
    for d in DIMENSIONS:
        item = scorecard.dimensions[d]
        why = Text(item.rationale)
        if item.insufficient_evidence:
            why.stylize("italic")
        table.add_row(catalog[d].title, _score_cell(item.score, item.spread), why)
    parts.append(table)

    evidence = Text()
    for d in DIMENSIONS:
        item = scorecard.dimensions[d]
        evidence.append(f"{catalog[d].title}\n", style="bold")
        if not item.evidence:
            evidence.append("  (no verified quote)\n", style="dim")
        for quote in item.evidence:
            evidence.append(f'  "{quote}"\n')
        for quote in item.dropped_quotes:
            evidence.append(f'  dropped, not verbatim: "{quote}"\n', style="dim strike")
    parts.append(Panel(evidence, title="Evidence (the candidate's own words)", title_align="left"))

    for heading, items, style in (("Strengths", scorecard.strengths, "green"), ("Concerns", scorecard.concerns, "yellow")):
        if items:
            parts.append(Panel(Text("\n".join(f"• {i}" for i in items)), title=heading, title_align="left", border_style=style))

    model_answer = what_a_4_sounds_like(scorecard)
    if model_answer:
        name, description, example = model_answer
        body = Text(description)
        if example:
            body.append("\n\nFor example: ", style="bold")
            body.append(f'"{example}"', style="italic")
        parts.append(Panel(body, title=f"What a 4 would have sounded like: {name}", title_align="left", border_style="cyan"))

    if scorecard.next_steps:
        parts.append(Panel(Text("\n".join(f"{n}. {s}" for n, s in enumerate(scorecard.next_steps, 1))), title="Next drills", title_align="left"))
    footer = Text(f"grader {scorecard.grader} · rubric {scorecard.rubric_version}", style="dim")
    for note in scorecard.notes:
        footer.append(f"\nnote: {note}", style="dim")
    parts.append(footer)
    return Panel(Group(*parts), title=title, title_align="left")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(scorecard: Scorecard, *, title: str = "Hiring committee debrief") -> str:
    catalog = rubrics()
    lines = [f"# {title}", "", f"**Recommendation: {verdict(scorecard.recommendation)}** — {scorecard.summary}", ""]
    lines += ["| dimension | score | why |", "|---|---|---|"]
    for d in DIMENSIONS:
        item = scorecard.dimensions[d]
        spread = f" (±{item.spread:g})" if item.spread else ""
        lines.append(f"| {catalog[d].title} | {item.score} {LEVEL_LABELS[item.score]}{spread} | {_md_cell(item.rationale)} |")
    lines += ["", "## Evidence", ""]
    for d in DIMENSIONS:
        item = scorecard.dimensions[d]
        lines.append(f"**{catalog[d].title}**")
        lines.append("")
        lines += [f"> {quote}" + "\n" for quote in item.evidence] or ["_(no verified quote)_", ""]
        lines += [f"- dropped, not verbatim: ~~{quote}~~" for quote in item.dropped_quotes]
        if item.dropped_quotes:
            lines.append("")
    for heading, items in (("Strengths", scorecard.strengths), ("Concerns", scorecard.concerns)):
        if items:
            lines += [f"## {heading}", "", *[f"- {i}" for i in items], ""]
    model_answer = what_a_4_sounds_like(scorecard)
    if model_answer:
        name, description, example = model_answer
        lines += [f"## What a 4 would have sounded like: {name}", "", description, ""]
        if example:
            lines += [f"> {example}", ""]
    if scorecard.next_steps:
        lines += ["## Next drills", "", *[f"{n}. {s}" for n, s in enumerate(scorecard.next_steps, 1)], ""]
    lines.append(f"_grader {scorecard.grader} · rubric {scorecard.rubric_version}_")
    lines += [f"- note: {note}" for note in scorecard.notes]
    return "\n".join(lines).rstrip() + "\n"


def session_debrief(
    store: SessionStore, session_id: str, *, grader: str | None = None, samples: int = 1, regrade: bool = False,
    settings: Settings | None = None,
) -> Scorecard:
    """A stored session's debrief from this grader: the stored one, or graded now and stored (CLI and web share it)."""
    settings = settings or Settings.from_env()
    info = store.get_session(session_id)
    setting = (grader or settings.grader).strip()
    transcript = store.transcript(info.id)
    card = None if regrade else store.latest_debrief(info.id)
    if card is None or card.grader != setting or card.graded_turns != len(transcript.turns):  # stale once the round went on
        card = load_grader(setting, samples=samples, settings=settings).grade(transcript)
        store.save_debrief(info.id, card)
    return card
