"""The name-prefix search gives exactly the people whose name starts with the prefix, also where
it adds the index range (the benchmark's fast path) — on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from jianguan.core.models import Jurisdiction, User
from jianguan.registry import selectors
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def test_prefix_search_is_exactly_startswith(city: Jurisdiction, market_officer: User) -> None:
    names = ["王", "王一", "王二小", "玌", "王\U0010ffff", "汪", "张三", "张", "Zhang", "zhang", "王%", "王_x", "a王"]
    for name in names:
        make_person(name)
    for prefix in ["王", "王一", "张", "Z", "z", "王%", "王_", "玌", "a", "\U0010ffff", "王\U0010ffff"]:
        found = {p.name for p in selectors.person_list(user=market_officer, filters={"q": prefix})}
        assert found == {n for n in names if n.startswith(prefix)}, prefix
    page = list(selectors.person_list(user=market_officer, filters={"q": "王"}))
    assert [p.name for p in page] == sorted(p.name for p in page)
