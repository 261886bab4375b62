"""Logging: the request id on every line, personal data and secrets masked,
plain text or one JSON object per line (``KONTOR_LOG_FORMAT=json``).

Masking happens in a filter on the handler, so it covers every logger
(Django's, gunicorn's, third-party code) and exception tracebacks alike."""

import contextvars
import datetime
import json
import logging
import re
from typing import Any

# The id of the request the current thread (or task) is serving, or "-".
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Fields the request log passes as ``extra`` and the JSON formatter writes out.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "client_ip")

_EMAIL = re.compile(r"(?<![\w.%+-])([\w.%+-]{1,64})@((?:[\w-]{1,63}\.)+[a-zA-Z]{2,63})\b")
# A phone number: starts with +, 00 or 0 and has at least 6 digits, or is a bare
# run of 9 or more digits. Never matched inside a word, a UUID or a path.
_PHONE = re.compile(
    r"(?<![\w.:/-])(?:(?:\+|0)\d[\d \t\-/()]{4,28}\d|\d{9,20})(?![\w-])",
)
_TOKEN = re.compile(r"\bktr_[A-Za-z0-9_\-]+")
_BEARER = re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=\-]{8,}")
_SECRET_PARAM = re.compile(
    r"(?i)\b(password|passwd|secret|token|api_key|apikey|sessionid|csrftoken|csrfmiddlewaretoken)"
    r"(\"?\s*[=:]\s*\"?)([^\s&\"',;]+)"
)


def _mask_phone(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if len(digits) < 6:
        return text
    return "***" + digits[-2:]


def mask(text: str) -> str:
    """``text`` with email addresses, phone numbers and secrets masked."""
    text = _TOKEN.sub("ktr_***", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    text = _SECRET_PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _EMAIL.sub(lambda m: f"***@{m.group(2)}", text)
    return _PHONE.sub(_mask_phone, text)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class MaskingFilter(logging.Filter):
    """Masks email addresses, phone numbers and tokens in the message, its
    arguments and the traceback before any handler formats the record."""

    def __init__(self, name: str = "", enabled: bool = True):
        super().__init__(name)
        self.enabled = enabled

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.enabled:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the line
            message = str(record.msg)
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
            # The traceback is in exc_text now; formatters must not render it again.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        path = getattr(record, "path", None)
        if isinstance(path, str):
            record.path = mask(path)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, log_format: str, level: str, masking: bool) -> dict[str, Any]:
    """The LOGGING setting: everything to stderr through the masking filter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "mask": {"()": MaskingFilter, "enabled": masking},
        },
        "formatters": {
            "text": {"()": TextFormatter},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "mask"],
                "formatter": "json" if log_format == "json" else "text",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (console when DEBUG, mail to ADMINS) would
            # write unmasked lines; everything goes through the one above.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            # Each request is logged once, by kontor.request; Django's "Not
            # Found: /path" warnings and runserver's lines would repeat it.
            "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
            "django.server": {"handlers": [], "level": "ERROR", "propagate": True},
        },
    }
