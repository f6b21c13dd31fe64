"""The notices as officials expect them: numbered A4 PDFs with a QR code to verify them online."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from jianguan.core.documents import pdf_response, qr_data_uri, render_pdf
from jianguan.supervision.models import RectificationOrder, StopWorkOrder


def verify_url(request: HttpRequest | Any, number: str) -> str:
    return str(request.build_absolute_uri(reverse("supervision:verify", args=[number])))


def rectification_pdf(order: RectificationOrder, url: str) -> bytes:
    findings = list(order.findings.order_by("id"))
    return render_pdf(
        "supervision/rectification_pdf.html",
        {"order": order, "findings": findings, "qr": qr_data_uri(url), "url": url},
    )


def stop_work_pdf(order: StopWorkOrder, url: str) -> bytes:
    findings = list(order.findings.order_by("id"))
    return render_pdf(
        "supervision/stop_work_pdf.html", {"order": order, "findings": findings, "qr": qr_data_uri(url), "url": url}
    )


def rectification_pdf_response(request: HttpRequest | Any, order: RectificationOrder) -> HttpResponse:
    return pdf_response(rectification_pdf(order, verify_url(request, order.number)), f"{order.number}.pdf")


def stop_work_pdf_response(request: HttpRequest | Any, order: StopWorkOrder) -> HttpResponse:
    return pdf_response(stop_work_pdf(order, verify_url(request, order.number)), f"{order.number}.pdf")
