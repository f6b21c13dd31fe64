"""Warning kinds: the built-in catalogue plus those modules declare in `<app>/warnings.py`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from jianguan.command import catalogue
from jianguan.command.catalogue import WarningKind, _Kinds
from jianguan.core.models import Department


def test_module_kinds_join_the_built_in_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = WarningKind("demo.thing", "demo", "Thing", "Thing %(x)s", Department.Code.QUALITY)
    monkeypatch.setattr(catalogue, "_module_kinds", lambda: [extra])
    kinds = _Kinds()
    assert kinds["demo.thing"] is extra
    assert "core.ledger_broken" in kinds
    assert len(kinds) == len(catalogue._BUILT_IN) + 1


def test_a_kind_declared_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    twice = WarningKind("core.ledger_broken", "core", "again", "again", Department.Code.SYSADMIN)
    monkeypatch.setattr(catalogue, "_module_kinds", lambda: [twice])
    with pytest.raises(ImproperlyConfigured, match=r"core\.ledger_broken"):
        len(_Kinds())


def test_every_kind_has_a_department_and_a_message() -> None:
    codes = set(Department.Code.values)
    for code, kind in catalogue.KINDS.items():
        assert kind.code == code
        assert kind.department in codes, code
        assert str(kind.message), code
