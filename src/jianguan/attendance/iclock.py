"""ZKTeco PUSH / ADMS over HTTP (``/iclock/…``), spoken the way the terminals speak it.

The device identifies itself by ``SN`` in the query string (PUSH has no signature; a terminal is
trusted by its registered serial, and a suspended or unknown one is refused with 403/401 so it
keeps its records). Every answer is plain text. ``OK: n`` is sent only after the upload's
transaction has committed; any error answers something else, so the terminal sends again.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from jianguan.attendance import services
from jianguan.attendance.models import DeviceState
from jianguan.core.models import Device

logger = logging.getLogger(__name__)

OPTIONS = (
    ("ErrorDelay", "60"),
    ("Delay", "10"),
    ("TransTimes", "00:00;14:05"),
    ("TransInterval", "1"),
    ("TransFlag", "TransData AttLog\tOpLog\tEnrollUser\tChgUser\tEnrollFP\tChgFP\tUserPic"),
    ("Realtime", "1"),
    ("Encrypt", "0"),
    ("TimeZone", str(services.DEVICE_TZ_HOURS)),
)


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _device(request: HttpRequest) -> Device | HttpResponse:
    serial = request.GET.get("SN", "").strip()
    if not serial:
        return _text("ERROR: SN missing / 缺少设备序列号 SN\n", 400)
    device = Device.objects.filter(serial=serial).first()
    if device is None:
        return _text(f"ERROR: device {serial} is not registered / 设备 {serial} 未登记\n", 401)
    if not device.is_active:
        return _text(f"ERROR: device {serial} is suspended / 设备 {serial} 已停用\n", 403)
    return device


@csrf_exempt
def cdata(request: HttpRequest) -> HttpResponse:
    found = _device(request)
    if isinstance(found, HttpResponse):
        return found
    device = found
    if request.method == "GET":
        state = DeviceState.objects.filter(device=device).first()
        services._touch(device)
        lines = [
            f"GET OPTION FROM: {device.serial}",
            f"Stamp={state.attlog_stamp if state else '0'}",
            f"OpStamp={state.operlog_stamp if state else '0'}",
            "PhotoStamp=0",
            *(f"{key}={value}" for key, value in OPTIONS),
        ]
        return _text("\r\n".join(lines) + "\r\n")
    if request.method != "POST":
        return _text("ERROR: method not allowed / 不支持的请求方法\n", 405)
    table = request.GET.get("table", "").strip().upper()
    stamp = request.GET.get("Stamp", "").strip()
    try:
        if table == "ATTLOG":
            result = services.attlog_ingest(device=device, body=request.body, stamp=stamp)
            return _text(f"OK: {result.received}\n")
        count = services.other_table_ingest(device=device, table=table or "UNKNOWN", body=request.body, stamp=stamp)
        return _text(f"OK: {count}\n")
    except DatabaseError:
        logger.exception("upload from %s not stored", device.serial)
        return _text("ERROR: not stored, send again / 未保存，请重发\n", 503)


@csrf_exempt
def getrequest(request: HttpRequest) -> HttpResponse:
    found = _device(request)
    if isinstance(found, HttpResponse):
        return found
    info = request.GET.get("INFO", "")
    if info:
        DeviceState.objects.filter(device=found).update(info=info[:255], last_seen_at=timezone.now())
    commands = services.commands_fetch(device=found)
    if not commands:
        return _text("OK\n")
    return _text("".join(f"C:{command.pk}:{command.command}\n" for command in commands))


@csrf_exempt
def devicecmd(request: HttpRequest) -> HttpResponse:
    found = _device(request)
    if isinstance(found, HttpResponse):
        return found
    if request.method != "POST":
        return _text("ERROR: method not allowed / 不支持的请求方法\n", 405)
    services.command_results_record(device=found, body=request.body.decode("utf-8", errors="replace"))
    return _text("OK\n")


@csrf_exempt
def ping(request: HttpRequest) -> HttpResponse:
    """A trivial endpoint (``/iclock/ping``): the baseline the ingest benchmark compares against."""
    return _text("OK\n")
