"""OpenAPI generation: nested ``InputSerializer``/``OutputSerializer`` classes (one per API, as the
house style has them) get component names from their API, so they never collide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        parts = type(serializer).__qualname__.split(".")
        if len(parts) > 1:
            return parts[-2].removesuffix("Api") + parts[-1]
        return str(super().get_serializer_name(serializer, direction))


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
