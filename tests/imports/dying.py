"""What a process that is killed in the middle of a batch runs (run in the
other processes of an import by tests/imports/test_processes.py)."""

import os
from typing import Any

KILLED_IN = 11  # the first row of the batch in which the process dies


def die_in_a_batch(import_id: str, rows: list[tuple[int, list[Any]]]) -> int:
    """Run the batch; in the one starting at KILLED_IN, the process dies
    after its rows were written, before they were committed."""
    from kontor.imports import services

    if rows[0][0] == KILLED_IN:
        write = services._Batch.flush

        def flush_and_die(batch: Any) -> None:
            write(batch)
            os._exit(1)

        services._Batch.flush = flush_and_die  # type: ignore[method-assign]
    return services.run_batch_elsewhere(import_id, rows)
