"""OpenAPI generation: nested ``InputSerializer``/``OutputSerializer`` classes (one per API, as the
house style has them) get component names from their API, so they never collide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        parts = type(serializer).__qualname__.split(".")
        if len(parts) > 1:
            return parts[-2].removesuffix("Api") + parts[-1]
        return str(super().get_serializer_name(serializer, direction))
