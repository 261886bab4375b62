from io import StringIO

import pytest
from django.core.management import call_command

from kontor.warehouse.models import Watermark


@pytest.mark.django_db(transaction=True)
def test_the_warehouse_benchmark_exports_the_generated_activities(tmp_path):
    out = StringIO()
    report_file = tmp_path / "bench.json"
    call_command("bench", "--warehouse", "300", "--json", str(report_file), stdout=out,
                 stderr=StringIO())  # fmt: skip

    import json

    report = json.loads(report_file.read_text())
    assert report["table"] == "fact_activity" and report["rows"] >= 300
    assert len(report["runs"]) == 3
    assert report["median_seconds"] == sorted(report["runs"])[1]
    assert report["rows_per_second"] > 0
    assert "fact_activity:" in out.getvalue()
    # Its own folders' watermarks go with them.
    assert not Watermark.objects.exists()
