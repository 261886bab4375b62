import io
import json
import logging

import pytest
from django.conf import settings as django_settings

from kontor.core.logging import (
    JsonFormatter,
    MaskingFilter,
    RequestIdFilter,
    TextFormatter,
    logging_config,
    mask,
)


@pytest.fixture
def log_lines():
    """What the console handler of settings.LOGGING writes, as text lines."""

    def attach(formatter: logging.Formatter):
        handler.setFormatter(formatter)
        return stream

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskingFilter())
    handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield attach
    root.removeHandler(handler)


def _request_lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if "kontor.request" in line]


def test_each_request_is_logged_once_with_id_method_path_status_and_duration(api, log_lines):
    stream = log_lines(TextFormatter())

    response = api.get("/api/v1/contacts")

    request_id = response["X-Request-ID"]
    [line] = _request_lines(stream)
    assert len(request_id) == 32
    assert f"[{request_id}]" in line
    assert " GET /api/v1/contacts 200 " in line
    assert line.rstrip().endswith("ms")


def test_the_json_format_has_one_object_per_line(api, log_lines):
    stream = log_lines(JsonFormatter())

    response = api.get("/api/v1/contacts", HTTP_X_REQUEST_ID="trace-42")

    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    [entry] = [e for e in entries if e["logger"] == "kontor.request"]
    assert response["X-Request-ID"] == "trace-42"
    assert entry["request_id"] == "trace-42"
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/contacts"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["user_id"] is not None
    assert entry["level"] == "INFO"


def test_a_request_id_that_could_forge_log_lines_is_replaced(api):
    response = api.get("/api/v1/contacts", HTTP_X_REQUEST_ID="x\n2026 INFO forged")
    assert "\n" not in response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32


def test_lines_logged_while_serving_a_request_carry_its_id(db, client, log_lines, settings):
    stream = log_lines(TextFormatter())

    response = client.post(
        "/accounts/login/", {"username": "nobody", "password": "x"}, HTTP_X_REQUEST_ID="req-7"
    )

    assert response["X-Request-ID"] == "req-7"
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert len(lines) >= 2  # axes' failure line and the request line
    assert all("[req-7]" in line for line in lines)


def test_server_errors_are_logged_as_errors(db, client, log_lines):
    stream = log_lines(JsonFormatter())
    client.raise_request_exception = False
    from django.urls import path

    from kontor import urls

    def broken(request):
        raise RuntimeError("broken for anna@example.com")

    urls.urlpatterns.insert(0, path("broken-for-test/", broken))
    try:
        response = client.get("/broken-for-test/")
    finally:
        urls.urlpatterns.pop(0)
        from django.urls import clear_url_caches

        clear_url_caches()

    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert response.status_code == 500
    request_entry = next(e for e in entries if e["logger"] == "kontor.request")
    assert request_entry["status"] == 500
    assert request_entry["level"] == "ERROR"
    traceback = next(e for e in entries if "exception" in e)
    assert "RuntimeError" in traceback["exception"]
    assert "anna@example.com" not in stream.getvalue()


# Masking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("new contact Max.Mustermann+crm@Example.COM", "Max.Mustermann+crm"),
        ("lookup phone=+49 30 1234567", "1234567"),
        ("caller 030/1234 567-12", "1234 567"),
        ("caller 0049 171 2345678", "2345678"),
        ("caller 4930123456789", "4930123456789"),
        ("Authorization: Bearer ktr_s3cr3t-t0ken_value", "s3cr3t"),
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("POST password=hunter2&next=/", "hunter2"),
        ('{"token": "abc123secretvalue"}', "abc123secretvalue"),
    ],
)
def test_personal_data_and_secrets_are_masked(text, hidden):
    assert hidden not in mask(text)


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/contacts/0192a3b4-5c6d-7e8f-9012-345678901234 200 12.3ms",
        "2026-11-27 08:49:44,278 INFO kontor.request",
        "client 192.168.100.200 on 01.12.2026, postcode 10115",
        "request 8892f228537045af8980d91b2863f127",
    ],
)
def test_ids_times_and_addresses_are_not_mistaken_for_phone_numbers(text):
    assert mask(text) == text


def test_masking_keeps_enough_to_tell_entries_apart():
    assert mask("anna@example.com") == "***@example.com"
    assert mask("call +49 30 1234567") == "call ***67"


def test_masking_covers_arguments_and_tracebacks():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "lookup for %s", ("anna@example.com",), None
    )
    try:
        raise ValueError("bad number +49 171 2345678")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()

    MaskingFilter().filter(record)
    output = TextFormatter().format(record)

    assert "anna@example.com" not in output
    assert "2345678" not in output
    assert "ValueError" in output


def test_masking_can_be_switched_off_for_debugging():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "anna@example.com", None, None)
    MaskingFilter(enabled=False).filter(record)
    assert record.getMessage() == "anna@example.com"


def test_the_settings_mask_every_line_by_default():
    handler = django_settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["request_id", "mask"]
    assert django_settings.LOGGING["filters"]["mask"]["enabled"] is True
    assert (
        logging_config(log_format="json", level="INFO", masking=True)["handlers"]["console"][
            "formatter"
        ]
        == "json"
    )
