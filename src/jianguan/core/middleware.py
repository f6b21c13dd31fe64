"""Renders an ApplicationError raised in a web view as a page (or fragment) with its status."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jianguan.core.errors import ApplicationError


class ApplicationErrorMiddleware:
    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        template = "core/error_fragment.html" if request.headers.get("HX-Request") else "core/error.html"
        return render(request, template, {"error": exception, "status": exception.status}, status=exception.status)
