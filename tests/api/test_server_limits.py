"""What `kontor serve` refuses before Kontor sees a request — a URL or a
header beyond its limits — is an answer the OpenAPI document declares, so a
client (or a fuzzer) meets no undocumented status."""

import http.client
import json

from kontor.api.openapi import MAX_REQUEST_FIELD, MAX_REQUEST_LINE
from tests.core.scratch import free_port, kontor, scratch_database, start_server, stop_server


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_the_server_refuses_oversized_requests_as_the_document_declares(tmp_path):
    with scratch_database(tmp_path, "limits", migrated=True) as url:
        kontor("start", "--no-serve", "--no-demo", url=url, var_dir=tmp_path)
        port = free_port()
        server = start_server(url, tmp_path, port)
        try:
            longest = "/api/v1/contacts?q=" + "x" * (MAX_REQUEST_LINE - 200)
            too_long = "/api/v1/contacts?q=" + "x" * MAX_REQUEST_LINE
            status, document = _get(port, "/api/v1/openapi.json")
            fits, _ = _get(port, longest)
            url_refused, _ = _get(port, too_long)
            header_refused, _ = _get(port, "/api/v1/contacts", {"X-Big": "y" * MAX_REQUEST_FIELD})
        finally:
            stop_server(server)

    assert status == 200
    assert fits == 401  # a long list URL reaches Kontor (and asks for a login)
    assert (url_refused, header_refused) == (414, 431)
    for operations in json.loads(document)["paths"].values():
        for operation in operations.values():
            assert {"414", "431"} <= set(operation["responses"])
