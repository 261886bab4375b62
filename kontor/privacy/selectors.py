"""Reads of the register of requests. Only users whose roles handle the
requests of data subjects (the data protection officer, administrators)
see it."""

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from kontor.access.grants import access_for
from kontor.privacy.models import DataSubjectRequest, RetentionRule, RetentionRun

User = AbstractBaseUser | AnonymousUser


def may_handle_requests(user: User | None) -> bool:
    return access_for(user).data_subject_requests


def request_list(*, user: User, status: str | None = None) -> QuerySet[DataSubjectRequest]:
    """The requests, the next deadline first."""
    if not may_handle_requests(user):
        return DataSubjectRequest.objects.none()
    requests = DataSubjectRequest.objects.select_related("contact", "created_by", "done_by")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("deadline", "created_at", "id")


def request_get(*, user: User, request_id: Any) -> DataSubjectRequest | None:
    try:
        pk = uuid.UUID(str(request_id))
    except ValueError:
        return None
    return request_list(user=user).filter(pk=pk).first()


def retention_rule_list(*, user: User) -> QuerySet[RetentionRule]:
    if not may_handle_requests(user):
        return RetentionRule.objects.none()
    return RetentionRule.objects.order_by("record_type", "category", "id")


def retention_rule_get(*, user: User, rule_id: Any) -> RetentionRule | None:
    try:
        pk = uuid.UUID(str(rule_id))
    except ValueError:
        return None
    return retention_rule_list(user=user).filter(pk=pk).first()


def retention_run_list(*, user: User) -> QuerySet[RetentionRun]:
    if not may_handle_requests(user):
        return RetentionRun.objects.none()
    return RetentionRun.objects.order_by("-ran_on", "-created_at", "-id")
