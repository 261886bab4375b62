"""Figures of the API fuzzing run (tests/api/test_fuzz.py), printed at the end
of the pytest session by tests/api/conftest.py."""

import os
from collections import Counter
from dataclasses import dataclass, field


def examples_per_operation() -> int:
    """Generated cases per operation and role in the fuzzing phase; the
    schema-driven boundary cases come on top. KONTOR_FUZZ_EXAMPLES=500 for a
    deep run."""
    return int(os.environ.get("KONTOR_FUZZ_EXAMPLES", "12"))


@dataclass
class FuzzStats:
    operations: set[str] = field(default_factory=set)
    cases: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def record(self, role: str, operation: str, status: int) -> None:
        self.operations.add(operation)
        self.cases[role] += 1
        self.statuses[f"{status // 100}xx"] += 1

    def lines(self) -> list[str]:
        if not self.cases:
            return []
        roles = ", ".join(f"{count} as {role}" for role, count in sorted(self.cases.items()))
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        lines = [
            f"operations: {len(self.operations)}, cases: {sum(self.cases.values())} ({roles}), "
            f"failures: {len(self.failures)}",
            f"responses: {statuses}; examples per operation: {examples_per_operation()} "
            "(KONTOR_FUZZ_EXAMPLES)",
        ]
        lines += [f"  failed: {failure}" for failure in self.failures[:20]]
        return lines


STATS = FuzzStats()
