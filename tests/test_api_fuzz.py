"""Property-based requests against every operation in the OpenAPI schema (schemathesis):
whatever a client sends, the API never answers with a server error."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from jianguan.config.wsgi import application
from jianguan.core.demo_framework import SCALES, DemoContext, collect_steps
from jianguan.core.models import User

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
FUZZ_DEMO_STEPS = {"core.city", "registry.city", "licensing.applications", "bidding.tenders", "concrete.custody"}


@pytest.fixture
def _keep_test_connection() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db: None, _keep_test_connection: None) -> dict[str, str]:
    # the cheaper half of the tiny demo city, built for every operation: enough data behind every
    # endpoint, without paying for the whole city a hundred times
    ctx = DemoContext(scale=SCALES["tiny"], seed=3, today=dt.date(2026, 11, 25), out=io.StringIO(), show_progress=False)
    for step in collect_steps():
        if step.name in FUZZ_DEMO_STEPS:
            step.run(ctx)
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="admin"))
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, auth_headers: dict[str, str]) -> None:
    response = case.call(headers=auth_headers)
    case.validate_response(response, checks=[not_a_server_error])
