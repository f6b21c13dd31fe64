"""A stand-in for the national real-name platform: a real HTTP server on 127.0.0.1 speaking its
open API (form POST to ``/open.api``), so the client is tested over a socket.

It checks what the real one checks: the app id, the timestamp's form and age, a nonce never seen
before, and the SHA-256 signature recomputed with the app secret (written here independently of
the client's code); it decrypts the ID numbers (AES-CBC-PKCS7, key the secret, IV its first 16
characters) and refuses records that do not read. ``WorkerAttendance.Add`` answers a
``requestSerialCode``; ``AsyncHandleResult.Query`` answers "processing" a set number of times, then
the outcome. Failures are planted with :meth:`FakePlatform.fail_next`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APPID = "420500202611250001"
SECRET = "4f0c1d2e3a5b6c7d8e9f0a1b2c3d4e5f"  # 32 bytes: AES-256
LOCAL = dt.timezone(dt.timedelta(hours=8))


def _decrypt(value: str) -> str:
    decryptor = Cipher(algorithms.AES(SECRET.encode()), modes.CBC(SECRET[:16].encode())).decryptor()
    padded = decryptor.update(base64.b64decode(value, validate=True)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()


def _expected_sign(form: dict[str, str]) -> str:
    order = ["appid", "data", "format", "method", "nonce", "timestamp", "version"]
    text = "&".join(f"{k}={form.get(k, '')}" for k in order) + f"&appsecret={SECRET}"
    return hashlib.sha256(text.lower().encode()).hexdigest()


@dataclass
class FakePlatform:
    processing_answers: int = 1  # how many result queries answer "processing" before the outcome
    outcome: str = "20"  # the final async status: "20" succeeded, "30" failed
    requests: list[dict[str, str]] = field(default_factory=list)
    attendance: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (ID, time) → record
    accepted: dict[str, int] = field(default_factory=dict)  # serial → records in the request
    queries: dict[str, int] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    planted: list[str] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _serials: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, *kinds: str) -> None:
        """Plant failures for the next requests: ``http500``, ``drop`` (connection closed without an
        answer), ``busy`` (code -5), ``garbage`` (not JSON)."""
        with self.lock:
            self.planted.extend(kinds)

    # --- the API ---

    def handle(self, form: dict[str, str]) -> tuple[int, dict[str, Any] | str | None]:
        with self.lock:
            self.requests.append(form)
            planted = self.planted.pop(0) if self.planted else ""
        if planted == "http500":
            return 500, "Internal Server Error"
        if planted == "drop":
            return 0, None
        if planted == "garbage":
            return 200, "<html>gateway</html>"
        if planted == "busy":
            return 200, {"code": -5, "message": "访问超过限制"}
        for name in ("appid", "data", "format", "method", "nonce", "timestamp", "version", "sign"):
            if not form.get(name):
                return self._refuse(-1, f"缺少参数 {name}")
        if form["appid"] != APPID:
            return self._refuse(-3, "无API访问权限")
        try:
            sent = dt.datetime.strptime(form["timestamp"], "%Y%m%d%H%M%S").replace(tzinfo=LOCAL)
        except ValueError:
            return self._refuse(-1, "timestamp 格式错误")
        if abs((dt.datetime.now(LOCAL) - sent).total_seconds()) > 600:
            return self._refuse(-1, "timestamp 超时")
        if form["sign"] != _expected_sign(form):
            return self._refuse(-2, "签名校验错误")
        with self.lock:
            if form["nonce"] in self.nonces:
                return self._refuse(-1, "nonce 重复")
            self.nonces.add(form["nonce"])
        try:
            data = json.loads(form["data"])
        except ValueError:
            return self._refuse(-1, "data 不是 JSON")
        if form["method"] == "WorkerAttendance.Add":
            return self._attendance_add(data)
        if form["method"] == "AsyncHandleResult.Query":
            return self._async_query(data)
        return self._refuse(-1, f"未知方法 {form['method']}")

    def _refuse(self, code: int, message: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.refusals.append(message)
        return 200, {"code": code, "message": message}

    def _attendance_add(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not data.get("projectCode") or not data.get("teamSysNo") or not isinstance(data.get("dataList"), list):
            return self._refuse(-1, "projectCode, teamSysNo, dataList 必填")
        records = []
        for item in data["dataList"]:
            try:
                number = _decrypt(item["idCardNumber"])
                dt.datetime.strptime(item["date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=LOCAL)
            except (KeyError, ValueError, TypeError):
                return self._refuse(-1, "考勤记录格式错误")
            if item.get("direction") not in ("01", "02") or len(number) != 18:
                return self._refuse(-1, "考勤记录格式错误")
            records.append((number, item))
        with self.lock:
            serial = f"attendance-add-{next(self._serials):06d}"
            for number, item in records:
                self.attendance[(number, item["date"])] = item  # the platform keeps one per ID and time
            self.accepted[serial] = len(records)
        return 200, {"code": 0, "message": "success", "data": {"requestSerialCode": serial}}

    def _async_query(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        serial = str(data.get("requestSerialCode", ""))
        with self.lock:
            if serial not in self.accepted:
                return 200, {"code": -1, "message": "requestSerialCode 不存在"}
            self.queries[serial] = self.queries.get(serial, 0) + 1
            asked = self.queries[serial]
        if asked <= self.processing_answers:
            return 200, {"code": 0, "data": {"status": "10", "result": "处理中"}}
        result = f"成功 {self.accepted[serial]} 条" if self.outcome == "20" else "人员不在项目班组中"
        return 200, {"code": 0, "data": {"status": self.outcome, "result": result}}


@contextmanager
def running(platform: FakePlatform) -> Iterator[str]:
    """Serve the fake on a free local port; yields the ``open.api`` URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            if self.path != "/open.api" or "application/x-www-form-urlencoded" not in self.headers.get(
                "Content-Type", ""
            ):
                self.send_response(404)
                self.end_headers()
                return
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
            status, answer = platform.handle(form)
            if status == 0:  # drop the connection without a word
                self.close_connection = True
                self.connection.shutdown(2)
                return
            payload = (answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/open.api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
