"""Static files for ``kontor serve``: WhiteNoise's compressed storage,
compressing only what ``collectstatic`` copied anew."""

import os
from collections.abc import Iterator
from typing import Any

from whitenoise.storage import CompressedStaticFilesStorage


class CompressedOnceStaticFilesStorage(CompressedStaticFilesStorage):
    """WhiteNoise compresses every static file (gzip and Brotli) each time
    ``collectstatic`` runs, which ``kontor serve`` does at each start: ten
    seconds of two cores for the API's documentation bundles alone. A file
    whose compressed copy carries its modification time (WhiteNoise sets
    it, as a float: equal to within a millisecond) is compressed already;
    ``collectstatic`` replaces a changed file, with a newer time, and that
    one is compressed again."""

    def post_process(
        self, paths: dict[str, Any], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str, bool]]:
        changed = {path: found for path, found in paths.items() if not self._compressed(path)}
        yield from super().post_process(changed, dry_run=dry_run, **options)

    def _compressed(self, path: str) -> bool:
        full_path = self.path(path)
        try:
            modified = os.stat(full_path).st_mtime
        except FileNotFoundError:
            return False
        for suffix in (".br", ".gz"):
            try:
                if abs(os.stat(full_path + suffix).st_mtime - modified) < 1e-3:
                    return True
            except FileNotFoundError:
                continue
        return False
