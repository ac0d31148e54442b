"""Write an eval report: DIR/report.json (shared/spec/eval-report.md), DIR/report.md, confusion-matrix PNGs,
and a rich summary table for the terminal."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import DataError
from ..grading.scorecard import DIMENSIONS, RECOMMENDATIONS
from .metrics import LEVELS, ORDINAL_METRICS

REQUIRED_KEYS = ("dataset", "grader", "n", "skipped", "dimensions", "recommendation", "baselines", "items")
DIMENSION_KEYS = (*ORDINAL_METRICS, "ci95")
RECOMMENDATION_KEYS = ("accuracy", "macro_f1", "labels", "confusion")
DIGITS = 4
SHORT_NAMES = {"technical_empathy": "empathy", "platform_thinking": "platform", "telecom_depth": "telecom"}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DIGITS) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value


def missing_keys(report: dict[str, Any]) -> list[str]:
    """The required keys of the report schema that `report` lacks, as dotted paths (empty when valid)."""
    missing = [key for key in REQUIRED_KEYS if key not in report]

    def check_block(block: dict[str, Any], where: str) -> None:
        for dimension in DIMENSIONS:
            entry = block.get("dimensions", {}).get(dimension)
            if entry is None:
                missing.append(f"{where}dimensions.{dimension}")
                continue
            missing.extend(f"{where}dimensions.{dimension}.{k}" for k in DIMENSION_KEYS if k not in entry)
        missing.extend(f"{where}recommendation.{k}" for k in RECOMMENDATION_KEYS if k not in block.get("recommendation", {}))

    if not missing:
        check_block(report, "")
        for name in ("majority", "keyword"):
            check_block(report["baselines"].get(name, {}), f"baselines.{name}.")
        for setting, block in report.get("compare", {}).items():
            check_block(block, f"compare.{setting}.")
    return missing


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ci(interval: list[float] | None) -> str:
    return f"[{_fmt(interval[0])}, {_fmt(interval[1])}]" if interval else "—"


def _with_ci(entry: dict[str, Any], metric: str) -> str:
    ci = entry.get("ci95", {}).get(metric)
    return _fmt(entry[metric]) + (f" [{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else "")


def _cell(text: str) -> str:
    """Dataset values (ids, personas, reasons) are untrusted text: keep them from breaking the table."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _grader_blocks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    blocks = {report["grader"]: report}
    blocks.update(report.get("compare", {}))
    blocks.update({f"baseline:{name}": block for name, block in report["baselines"].items()})
    if "dimensions" in report.get("human_agreement", {}):
        blocks[f"human ceiling (n={report['human_agreement']['n']})"] = report["human_agreement"]
    return blocks


def markdown(report: dict[str, Any]) -> str:
    blocks = _grader_blocks(report)
    out = [
        f"# Eval report: `{report['grader']}` on `{report['dataset']}`",
        "",
        f"{report['n']} transcripts evaluated, {len(report['skipped'])} malformed lines skipped. "
        f"95% CIs from {report.get('bootstrap', {}).get('resamples', '?')} bootstrap resamples of transcripts "
        f"(seed {report.get('bootstrap', {}).get('seed', '?')}). — means undefined for this data.",
        "",
    ]
    out += [f"> {_cell(warning)}" for warning in report.get("warnings", [])] + ([""] if report.get("warnings") else [])
    if report["skipped"]:
        out += ["## Skipped lines", "", _table(["line", "reason"], [[str(s["line"]), s["reason"]] for s in report["skipped"]]), ""]
    if report.get("grading_failures"):
        out += ["## Grading failures (left out of every grader's figures)", "",
                _table(["id", "grader", "reason"], [[f["id"], f["grader"], f["reason"]] for f in report["grading_failures"]]), ""]
    if report.get("unknown_values"):
        out += ["Values not in the catalog: " + "; ".join(
            f"{field}: " + ", ".join(f"{_cell(name)} ({count})" for name, count in counts.items())
            for field, counts in report["unknown_values"].items()
        ), ""]
    for dimension in DIMENSIONS:
        out += [f"## {dimension}", ""]
        rows = [[name, *(_with_ci(block["dimensions"][dimension], m) for m in ORDINAL_METRICS)] for name, block in blocks.items()]
        out += [_table(["grader", *ORDINAL_METRICS], rows), ""]
    out += ["## Recommendation", ""]
    rows = [[name, _with_ci(block["recommendation"], "accuracy"), _with_ci(block["recommendation"], "macro_f1")]
            for name, block in blocks.items()]
    out += [_table(["grader", "accuracy", "macro-F1"], rows), ""]
    confusion = report["recommendation"]["confusion"]
    out += [f"Confusion of `{report['grader']}` (rows gold, columns predicted):", "",
            _table(["gold \\ pred", *RECOMMENDATIONS], [[RECOMMENDATIONS[i], *map(str, row)] for i, row in enumerate(confusion)]), ""]
    if report.get("lift"):
        out += [f"## Lift of `{report['grader']}` over the baselines", "", "Paired differences (grader − baseline) on the same resamples.", ""]
        rows = []
        for baseline, lift in report["lift"].items():
            for target in (*DIMENSIONS, "recommendation"):
                metric = "accuracy" if target == "recommendation" else "qwk"
                value = lift[target][metric]
                rows.append([baseline, target, metric, _fmt(value["diff"]), _ci(value["ci95"])])
        out += [_table(["baseline", "target", "metric", "difference", "95% CI"], rows), ""]
    for setting, block in report.get("compare", {}).items():
        out += [f"## Paired differences: `{setting}` − `{report['grader']}`", ""]
        rows = []
        for target, metrics in block["paired_difference"].items():
            for metric, value in metrics.items():
                rows.append([target, metric, _fmt(value["diff"]), _ci(value["ci95"])])
        out += [_table(["target", "metric", "difference", "95% CI"], rows), ""]
    human = report.get("human_agreement")
    if human:
        out += ["## Human ceiling", "",
                f"Second labels from `{human['file']}` on {human['n']} shared transcripts "
                f"({len(human['skipped'])} malformed lines skipped)."]
        if "dimensions" in human:
            same = human["grader_on_same_items"]
            rows = [[d, _with_ci(human["dimensions"][d], "qwk"), _with_ci(same["dimensions"][d], "qwk"),
                     _with_ci(human["dimensions"][d], "exact"), _with_ci(same["dimensions"][d], "exact")] for d in DIMENSIONS]
            rows.append(["recommendation (accuracy)", _with_ci(human["recommendation"], "accuracy"),
                         _with_ci(same["recommendation"], "accuracy"), "", ""])
            out += ["", _table(["target", "QWK human-human", "QWK grader (same items)", "exact human-human",
                                "exact grader (same items)"], rows)]
        else:
            out += ["", human.get("note", "")]
        out += [""]
    hard = report.get("hard_cases", {})
    if hard.get("n"):
        out += ["## Hard cases", "", f"{hard['n']} transcripts tagged as hard cases (made to fool naive graders).", ""]
        rows = [[name, *(_with_ci(block["dimensions"][d], "qwk") for d in DIMENSIONS), _with_ci(block["recommendation"], "accuracy")]
                for name, block in hard["graders"].items()]
        out += [_table(["grader", *(f"{d} QWK" for d in DIMENSIONS), "rec. accuracy"], rows), ""]
        for name, lift in hard["lift_over_keyword"].items():
            rows = [[target, metric, _fmt(lift[target][metric]["diff"]), _ci(lift[target][metric]["ci95"])]
                    for target in (*DIMENSIONS, "recommendation") for metric in (("qwk", "mae") if target != "recommendation" else ("accuracy",))]
            out += [f"Lift of `{name}` over the keyword baseline on hard cases (paired, same resamples):", "",
                    _table(["target", "metric", "difference", "95% CI"], rows), ""]
    out += ["## Slices", "", "QWK / exact / MAE per slice for each grader (— means too few transcripts: "
            "figures need 3, QWK needs 8).", ""]
    for key, values in report.get("slices", {}).items():
        out += [f"### by {key}", ""]
        rows = []
        for value, per_grader in values.items():
            for name, entry in per_grader.items():
                rows.append([value, name, str(entry["n"]),
                             *(" / ".join(_fmt(entry[d][m]) for m in ("qwk", "exact", "mae")) for d in DIMENSIONS),
                             _fmt(entry["recommendation_accuracy"])])
        out += [_table([key, "grader", "n", *DIMENSIONS, "rec. accuracy"], rows), ""]
    return "\n".join(out)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "grader"


def write_confusion_pngs(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """One PNG per dimension and for the recommendation, for the primary grader and each compared grader."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    written: list[Path] = []
    graders = {report["grader"]: "", **{setting: _slug(setting) + "_" for setting in report.get("compare", {})}}
    for setting, prefix in graders.items():
        for target in (*DIMENSIONS, "recommendation"):
            labels = list(RECOMMENDATIONS) if target == "recommendation" else list(LEVELS)
            key = setting if setting != report["grader"] else "pred"
            pairs = [(item["gold"][target], (item["pred"] if key == "pred" else item["others"][key])[target]) for item in report["items"]]
            matrix = confusion_matrix([g for g, _ in pairs], [p for _, p in pairs], labels=labels)
            figure, axis = plt.subplots(figsize=(5.5, 4.5), dpi=100)
            ConfusionMatrixDisplay(np.asarray(matrix), display_labels=[str(x) for x in labels]).plot(
                ax=axis, colorbar=False, cmap="Blues", xticks_rotation=30 if target == "recommendation" else 0
            )
            axis.set_title(f"{target}: {setting}")
            axis.set_xlabel("grader")
            axis.set_ylabel("gold")
            figure.tight_layout()
            path = out_dir / f"confusion_{prefix}{target}.png"
            figure.savefig(path)
            plt.close(figure)
            written.append(path)
    return written


def write_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """report.json, report.md and the confusion PNGs into out_dir; returns the paths written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        json_path, md_path = out_dir / "report.json", out_dir / "report.md"
        json_path.write_text(json.dumps(_rounded(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        md_path.write_text(markdown(report) + "\n", encoding="utf-8")
        return [json_path, md_path, *write_confusion_pngs(report, out_dir)]
    except OSError as exc:
        raise DataError(f"Cannot write the report to {out_dir} ({exc.strerror}): pass --out with a writable folder.") from None


def _compact(entry: dict[str, Any], metric: str) -> str:
    ci = entry.get("ci95", {}).get(metric)
    return _fmt(entry[metric]) + (f" ({_fmt(ci[0])}–{_fmt(ci[1])})" if ci else "")


def print_summary(report: dict[str, Any], console: Console) -> None:
    """The headline table: QWK (95% CI) per dimension and recommendation accuracy, for every grader."""
    blocks = _grader_blocks(report)
    table = Table(title=escape(f"{report['n']} transcripts from {report['dataset']}"), caption="QWK and accuracy with 95% bootstrap CIs")
    table.add_column("grader", style="bold", no_wrap=True)
    for header in SHORT_NAMES.values():
        table.add_column(f"{header} QWK", justify="right")
    table.add_column("recommendation accuracy", justify="right")
    for name, block in blocks.items():
        table.add_row(escape(name), *(_compact(block["dimensions"][d], "qwk") for d in DIMENSIONS),
                      _compact(block["recommendation"], "accuracy"))
    console.print(table)
    hard = report.get("hard_cases", {})
    for name, lift in hard.get("lift_over_keyword", {}).items():
        line = ", ".join(
            f"{SHORT_NAMES[d]} {lift[d]['qwk']['diff']:+.2f}" if lift[d]["qwk"]["diff"] is not None else f"{SHORT_NAMES[d]} —"
            for d in DIMENSIONS
        )
        console.print(f"Hard cases (n={hard['n']}): QWK lift of {escape(name)} over the keyword baseline: {line}", highlight=False, soft_wrap=True)
    for warning in report.get("warnings", []):
        console.print(f"[yellow]Note:[/] {escape(_cell(warning))}", highlight=False, soft_wrap=True)
    if report["skipped"]:
        first = report["skipped"][0]
        count = len(report["skipped"])
        console.print(
            f"[yellow]{count} malformed line{'s' if count != 1 else ''} skipped[/] (first: line {first['line']}, {escape(first['reason'])})",
            highlight=False, soft_wrap=True,
        )
