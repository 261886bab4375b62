"""``kontor bench --compare OLD.json``: each operation's change against an
earlier ``--json`` report, so that a slowdown shows in the change that causes it.

A ratio is new/old: 1.30 means 30 % slower. The machine is shared and noisy,
so an operation counts as a regression only when its median (p50) and its p95
both grew past the threshold; a tail alone (p99) is shown but marks nothing."""

from typing import Any

PERCENTILES = ("p50_ms", "p95_ms", "p99_ms")
DEFAULT_THRESHOLD = 1.25

REGRESSION = "REGRESSION"
FASTER = "faster"
MISSING = "only in the old report"
NEW = "only in the new report"


def _ratio(old: float, new: float) -> float | None:
    if not old or old <= 0:
        return None
    return round(new / old, 2)


def _rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Kontor's operations and the bare-driver baselines of one report."""
    rows = dict(report.get("operations") or {})
    for name, figures in (report.get("baseline") or {}).items():
        rows[f"baseline {name}"] = figures
    return rows


def compare(
    old: dict[str, Any], new: dict[str, Any], *, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, Any]:
    """Per operation, the old and new percentiles, their ratios and a verdict."""
    if threshold <= 1:
        raise ValueError("the regression threshold must be above 1 (e.g. 1.25 for 25 % slower)")
    old_rows, new_rows = _rows(old), _rows(new)
    operations: dict[str, dict[str, Any]] = {}
    for name in [*new_rows, *(n for n in old_rows if n not in new_rows)]:
        before, after = old_rows.get(name), new_rows.get(name)
        if before is None or after is None:
            operations[name] = {"verdict": NEW if before is None else MISSING}
            continue
        ratios = {p: _ratio(before.get(p, 0), after.get(p, 0)) for p in PERCENTILES}
        p50, p95 = ratios["p50_ms"], ratios["p95_ms"]
        if p50 is not None and p95 is not None and p50 > threshold and p95 > threshold:
            verdict = REGRESSION
        elif p50 is not None and p50 < 1 / threshold:
            verdict = FASTER
        else:
            verdict = ""
        operations[name] = {"old": before, "new": after, "ratios": ratios, "verdict": verdict}
    return {
        "threshold": threshold,
        "old_scale": old.get("scale"),
        "new_scale": new.get("scale"),
        "old_database": old.get("database"),
        "new_database": new.get("database"),
        "operations": operations,
        "regressions": [n for n, row in operations.items() if row["verdict"] == REGRESSION],
    }


def format_comparison(comparison: dict[str, Any]) -> str:
    lines = ["Change against the earlier report (ratio new/old; above 1 is slower)"]
    if comparison["old_database"] != comparison["new_database"]:
        lines.append(
            f"Note: the reports come from different databases "
            f"({comparison['old_database']} → {comparison['new_database']})."
        )
    if comparison["old_scale"] != comparison["new_scale"]:
        lines.append(
            f"Note: the scale differs: {comparison['old_scale']} → {comparison['new_scale']}."
        )
    lines += [
        "",
        f"{'operation':<30}{'p50 old→new ms':>22}{'p50':>7}{'p95':>7}{'p99':>7}  verdict",
    ]

    def shown(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    for name, row in comparison["operations"].items():
        if "ratios" not in row:
            lines.append(f"{name:<30}{'':>22}{'':>7}{'':>7}{'':>7}  {row['verdict']}")
            continue
        change = f"{row['old']['p50_ms']:.2f}→{row['new']['p50_ms']:.2f}"
        ratios = row["ratios"]
        lines.append(
            f"{name:<30}{change:>22}{shown(ratios['p50_ms']):>7}{shown(ratios['p95_ms']):>7}"
            f"{shown(ratios['p99_ms']):>7}  {row['verdict']}"
        )
    regressions = comparison["regressions"]
    lines.append("")
    lines.append(
        f"{len(regressions)} regression(s) (p50 and p95 more than "
        f"{comparison['threshold']:.2f}× the old figures)"
        + (": " + ", ".join(regressions) if regressions else ".")
    )
    return "\n".join(lines)
