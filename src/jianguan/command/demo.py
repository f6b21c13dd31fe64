"""The command centre's part of the demo city: once every module has raised its warnings, the
command centre has dispatched some, departments are working on some, and some are closed — so a
visitor sees each stage of the cycle. Everything goes through the services and the ledger."""

from __future__ import annotations

import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from jianguan.command import services
from jianguan.command.models import Alert
from jianguan.core.demo_framework import DemoContext, DemoStep
from jianguan.core.models import User

# The demo steps of other modules that raise warnings; the dispatch runs after whichever exist.
WARNING_SOURCES = (
    "registry.city",
    "lifecycle.stages",
    "licensing.applications",
    "supervision.inspections",
    "attendance.checkins",
    "credit.records",
    "fees.assessments",
    "bidding.tenders",
    "lake.sensors",
    "concrete.custody",
    "concrete.labs",
)


def _evidence_png(text: str) -> SimpleUploadedFile:
    """A small, valid PNG standing in for a photo of the site or a scanned notice."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    width = height = 8
    raw = b"".join(b"\x00" + bytes([200, 220, 240] * width) for _ in range(height))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"tEXt", b"Comment\x00" + text.encode("utf-8")) + chunk(b"IDAT", zlib.compress(raw))
    png += chunk(b"IEND", b"")
    return SimpleUploadedFile("现场照片.png", png, content_type="image/png")


def dispatch_some(ctx: DemoContext) -> None:
    rng = ctx.rng("command.dispatch")
    operator = User.objects.filter(groups__name="command_operator").order_by("pk").first()
    reviewer = User.objects.filter(groups__name="command_head").order_by("pk").first()
    if operator is None or reviewer is None:
        return
    open_alerts = list(Alert.objects.filter(status=Alert.Status.OPEN).select_related("department").order_by("pk"))
    for alert in ctx.progress(open_alerts, desc="command"):
        draw = rng.random()
        if draw < 0.45:
            continue  # still waiting for the command centre
        officer = (
            User.objects.filter(department=alert.department, is_active=True, kind=User.Kind.STAFF)
            .order_by("pk")
            .first()
        )
        if officer is None:
            continue
        task = services.warning_dispatch(
            actor=operator, alert=alert, department=alert.department, instructions="请核查并按规定处置，按期报结。"
        )
        if draw < 0.65:
            continue
        services.task_accept(actor=officer, task=task)
        if draw < 0.8:
            continue
        services.task_report(
            actor=officer, task=task, text="已现场核查并督促整改，附现场照片。", upload=_evidence_png(alert.kind)
        )
        if draw < 0.9:
            continue
        services.task_review(actor=reviewer, task=task, accepted=True, text="处置到位，同意办结。")


STEPS = [DemoStep("command.dispatch", dispatch_some, after=("core.city",), after_if_present=WARNING_SOURCES)]
