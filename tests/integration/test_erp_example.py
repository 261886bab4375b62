"""The ERP script of docs/integrations.md, run as a new user would: against
a `kontor serve` of its own, twice. The first run creates organizations,
products, an order of them and invoices; the second changes nothing."""

import json
import re
import subprocess
from pathlib import Path

from tests.core.scratch import (
    free_port,
    kontor,
    query,
    scratch_database,
    start_server,
    stop_server,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
MAKE_USER = (
    "from tests.factories import UserFactory; UserFactory(username='erp', roles=['administrator'])"
)


def example_script() -> str:
    match = re.search(r"<!-- erp-push-example -->\n```sh\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/integrations.md lost its ERP example"
    return match.group(1)


def test_the_documented_erp_script_creates_once_and_then_changes_nothing(tmp_path):
    script = tmp_path / "erp-push.sh"
    script.write_text(example_script())
    with scratch_database(tmp_path, "erp", migrated=True) as url:
        kontor("shell", "-c", MAKE_USER, url=url, var_dir=tmp_path)
        token = kontor("createtoken", "erp", url=url, var_dir=tmp_path).stdout.strip()
        port = free_port()
        server = start_server(url, tmp_path, port)
        try:
            answers = []
            for _run in range(2):
                done = subprocess.run(  # noqa: S603
                    ["/bin/sh", str(script)],
                    cwd=tmp_path,
                    env={"KONTOR": f"http://127.0.0.1:{port}", "TOKEN": token,
                         "PATH": "/usr/bin:/bin"},
                    capture_output=True,
                    text=True,
                    timeout=120,
                )  # fmt: skip
                assert done.returncode == 0, done.stdout + done.stderr
                answers.append(json.loads(done.stdout))
        finally:
            stop_server(server)
        created = {"organizations": 3, "products": 2, "orders": 1, "invoices": 2}
        for kind, count in created.items():
            first, second = (answer[kind] for answer in answers)
            assert first["counts"] == {"created": count}, first
            assert second["counts"] == {"unchanged": count}, second
            assert [r["id"] for r in first["results"]] == [r["id"] for r in second["results"]]
        assert query(url, "SELECT count(*) FROM contacts_organization") == [(3,)]
        assert query(url, "SELECT count(*), max(version) FROM sales_invoice") == [(2, 1)]
        cents = "SELECT CAST(ROUND(gross_total * 100) AS INTEGER), source FROM sales_order"
        assert query(url, cents) == [(210630, "sap")]
