from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


class StandardPagination(PageNumberPagination):
    """Every list is paginated: ``?page=N&page_size=M`` (M up to 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def paginated_response(
    *, queryset: QuerySet[Any], serializer_class: type[BaseSerializer[Any]], request: Request, view: APIView
) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    serializer = serializer_class(page, many=True, context={"request": request})
    return paginator.get_paginated_response(serializer.data)
