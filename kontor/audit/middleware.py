"""Tells the audit trail which path a request takes (web interface or API)
and writes the reads of sensitive fields a response showed, in one insert."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kontor.audit.context import RequestContext, request_context
from kontor.audit.models import Channel
from kontor.audit.services import flush_reads

API_PREFIX = "/api/"


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = Channel.API if request.path.startswith(API_PREFIX) else Channel.UI
        context = RequestContext(channel=channel, request_id=getattr(request, "request_id", ""))
        with request_context(context):
            response = self.get_response(request)
            flush_reads(context)
        return response
