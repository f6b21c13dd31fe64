"""OpenAPI generation: component names carry the module and, for the nested
``InputSerializer``/``OutputSerializer`` classes the house style puts in each API, the API's name —
``CommandAlertDispatchInput``, ``CoreDeviceOutput`` — so modules never collide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        cls = type(serializer)
        parts = cls.__qualname__.split(".")
        name = parts[-2].removesuffix("Api") + parts[-1] if len(parts) > 1 else parts[-1]
        module = cls.__module__.split(".")
        prefix = module[1].title() if len(module) > 1 and module[0] == "jianguan" else ""
        return prefix + name.lstrip("_")


class DeviceSignatureScheme(OpenApiAuthenticationExtension):
    """Documents signed device requests (core.signing) in the OpenAPI schema."""

    target_class = "jianguan.core.signing.DeviceSignatureAuthentication"
    name = "deviceSignature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Signature",
            "description": "HMAC-SHA256 with the device's secret over METHOD, PATH?QUERY, X-Timestamp, X-Nonce "
            "and SHA-256(body), joined by newlines; send X-Device-Serial, X-Timestamp and X-Nonce too.",
        }
