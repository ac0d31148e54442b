"""Progress across sessions: each dimension's score per graded session, as a table and a PNG chart."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from .catalog import rubrics
from .errors import DataError
from .grading.scorecard import DIMENSIONS, Scorecard
from .store import SessionInfo, SessionStore

History = list[tuple[SessionInfo, Scorecard]]


def history(store: SessionStore) -> History:
    """Every graded session's latest debrief, oldest first."""
    return store.debriefs()


def progress_table(rows: History) -> Table:
    catalog = rubrics()
    table = Table(title="Progress across your graded sessions")
    table.add_column("#", justify="right")
    table.add_column("date")
    table.add_column("persona / round")
    for d in DIMENSIONS:
        table.add_column(catalog[d].title, justify="center")
    table.add_column("recommendation")
    for number, (info, card) in enumerate(rows, 1):
        scores = [str(card.dimensions[d].score) + ("?" if card.dimensions[d].insufficient_evidence else "") for d in DIMENSIONS]
        table.add_row(str(number), info.created_at.strftime("%Y-%m-%d %H:%M"), f"{info.persona} / {info.round}", *scores, card.recommendation)
    return table


def save_chart(rows: History, path: Path | str) -> Path:
    """A line per dimension over the sessions, saved as PNG (Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not rows:
        raise DataError("No graded sessions yet: finish a round and run `interviewer debrief` first.")
    path = Path(path)
    catalog = rubrics()
    x = list(range(1, len(rows) + 1))
    fig, ax = plt.subplots(figsize=(max(5, len(rows) * 0.8 + 3), 3.8), dpi=110)
    for offset, d in zip((-0.06, 0.0, 0.06), DIMENSIONS):
        ax.plot([i + offset for i in x], [card.dimensions[d].score for _, card in rows], marker="o", label=catalog[d].title)
    ax.set_ylim(0.6, 4.4)
    ax.set_yticks([1, 2, 3, 4], ["1 missing", "2 surface", "3 solid", "4 exceptional"])
    ax.set_xticks(x, [f"{i}\n{info.round}" for i, (info, _) in zip(x, rows)], fontsize=8)
    ax.set_xlabel("graded session")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Scores by dimension across sessions")
    fig.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    except OSError as exc:
        raise DataError(f"Cannot write the chart to {path} ({exc.strerror}): choose another path with --chart.") from exc
    finally:
        plt.close(fig)
    return path
