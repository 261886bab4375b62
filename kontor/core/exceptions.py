"""Errors raised by services; the API and the UI turn them into responses."""


class ServiceError(Exception):
    """Base class of the errors a service reports to its caller."""


class FieldErrors(ServiceError):
    """Input was rejected. ``errors`` maps a field name to a list of reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {', '.join(r)}" for f, r in errors.items()))

    @classmethod
    def single(cls, field: str, reason: str) -> "FieldErrors":
        return cls({field: [reason]})


class VersionConflict(ServiceError):
    """The record changed since the caller read it."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"record was changed meanwhile; current version is {current_version}")


class PermissionDenied(ServiceError):
    """The acting user may not do this."""
