"""`kontor serve` collects the static files at each start; a file is
compressed when it is new or changed, not at every start again
(kontor.server.storage)."""

import gzip
import os

from django.core.management import call_command

STYLE = "body { color: #222; margin: 0 auto; }\n" * 200


def _collect() -> None:
    call_command("collectstatic", interactive=False, verbosity=0)


def test_a_static_file_is_compressed_once_and_again_when_it_changed(settings, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    style = source / "site.css"
    style.write_text(STYLE)
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "static"
    compressed = settings.STATIC_ROOT / "site.css.gz"

    _collect()
    assert gzip.decompress(compressed.read_bytes()).decode() == STYLE

    # Unchanged: the compressed copy is left as it is (a marker shows it).
    times = compressed.stat()
    compressed.write_bytes(b"left alone")
    os.utime(compressed, ns=(times.st_atime_ns, times.st_mtime_ns))
    _collect()
    assert compressed.read_bytes() == b"left alone"

    # Changed: copied anew, with a newer time, and compressed again.
    style.write_text(STYLE + "h1 { font-size: 2rem; }\n")
    later = times.st_mtime_ns + 10**10
    os.utime(style, ns=(later, later))
    _collect()
    assert gzip.decompress(compressed.read_bytes()).decode().endswith("2rem; }\n")
