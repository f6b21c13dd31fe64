"""The behaviour catalogue as data: its format, and the domain function that loads and checks it.

A catalogue is one JSON document, versioned as a whole (a new version is a new document; records
keep the version and code they were made from). It lists the subject types with their code
prefix, the categories of behaviour per subject type, and the items::

    {"format": "jianguan.credit.catalogue/1", "version": "2026.1", "effective_from": "2026-01-01",
     "title": "…", "sources": {"JS2007-9": "建市〔2007〕9号 …"},
     "subject_types": [{"code": "owner", "prefix": "A1", "name": "建设单位", "name_en": "Owner",
                        "code_source": "JS2007-9"}, …],
     "categories": [{"code": "A1-1", "kind": "bad", "name": "建设程序", "name_en": "…"}, …],
     "items": [{"code": "A1-1-01", "title": "…", "title_en": "…", "basis": "…", "penalty_basis": "…",
                "severity": "B", "points": 5, "disclosure_months": 12}, …]}

Codes read ``<prefix>-<category>-<item>`` (A1-1-01: owner, construction procedure, item 01). A bad
item has a severity (A, B, C), points and a disclosure period of 6 to 36 months; it may name a
blacklist ``trigger`` (then it must be severity A). A good item has points and a validity of 36
months. ``unit`` makes the points count per unit (per death, per notice): a record multiplies them
by its quantity. ``code_source`` says where a prefix or a category's numbering comes from; "local"
marks codes of our own where the national source is unconfirmed.

:func:`load_catalogue` refuses a bad catalogue with every problem it finds (:class:`CatalogueInvalid`),
each a stable ``reason`` with parameters, so the service can show them translated.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jianguan.credit.domain import (
    BAD_MAX_MONTHS,
    BAD_MIN_MONTHS,
    GOOD_VALIDITY_MONTHS,
    Kind,
    Record,
    Severity,
    SubjectType,
    Trigger,
    bad_record,
    good_record,
)

FORMAT = "jianguan.credit.catalogue/1"
LOCAL = "local"
CODE_PATTERN = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9])-(?P<category>[1-9][0-9]?)-(?P<item>[0-9]{2})$")
CATEGORY_PATTERN = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9])-(?P<category>[1-9][0-9]?)$")
PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9]$")
# points are whole or with at most two decimals, and no single item deducts or adds more than this
MAX_POINTS = Decimal(100)

# Each problem's reason, with an English text; credit/errors.py gives the translated messages.
PROBLEMS: dict[str, str] = {
    "not_json": "The catalogue is not valid JSON: {detail}",
    "not_object": "The catalogue must be a JSON object.",
    "format_unsupported": "The catalogue format {value} is not supported (expected {expected}).",
    "field_missing": "{where}: the field {field} is missing.",
    "field_unknown": "{where}: the field {field} is not part of the catalogue format.",
    "field_invalid": "{where}: {field} must be {expected}.",
    "date_invalid": "{where}: {field} {value} is not a date (YYYY-MM-DD).",
    "list_empty": "The catalogue lists no {field}.",
    "subject_type_unknown": "{where}: subject type {value} is unknown (known: {known}).",
    "subject_type_duplicate": "{where}: subject type {value} is listed twice.",
    "prefix_invalid": "{where}: code prefix {value} must be a capital letter and a capital letter or digit.",
    "prefix_duplicate": "{where}: code prefix {value} is used by two subject types.",
    "source_unknown": "{where}: code source {value} is neither a listed source nor “local”.",
    "code_malformed": "{where}: code {value} does not read prefix-category-item (such as A1-1-01).",
    "code_duplicate": "{where}: code {value} appears more than once.",
    "category_unknown": "{where}: item {value} belongs to no listed category.",
    "prefix_unknown": "{where}: category {value} has a prefix of no listed subject type.",
    "kind_unknown": "{where}: kind {value} is neither bad nor good.",
    "grade_unknown": "{where}: severity {value} is unknown (A, B or C).",
    "grade_missing": "{where}: a bad behaviour needs a severity (A, B or C).",
    "grade_on_good": "{where}: a good behaviour has no severity.",
    "points_invalid": (
        "{where}: points {value} must be a number above 0 and at most {maximum}, with at most two decimals."
    ),
    "disclosure_missing": "{where}: a bad behaviour needs a disclosure period in months.",
    "disclosure_too_short": (
        "{where}: a disclosure period of {value} months is shorter than the minimum of {minimum} months."
    ),
    "disclosure_too_long": (
        "{where}: a disclosure period of {value} months is longer than the maximum of {maximum} months."
    ),
    "disclosure_on_good": "{where}: a good behaviour has a validity, not a disclosure period.",
    "validity_invalid": "{where}: a good behaviour is valid for {expected} months, not {value}.",
    "trigger_unknown": "{where}: blacklist trigger {value} is unknown (known: {known}).",
    "trigger_on_good": "{where}: a good behaviour cannot put a subject on the blacklist.",
    "trigger_not_severe": "{where}: an item that blacklists must be severity A, not {value}.",
}


@dataclass(frozen=True)
class Problem:
    """One reason a catalogue is refused: a stable ``reason`` and its parameters."""

    reason: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return PROBLEMS[self.reason].format(**self.params)


class CatalogueInvalid(ValueError):
    """The catalogue was refused; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message for problem in problems))


@dataclass(frozen=True)
class SubjectTypeEntry:
    code: SubjectType
    prefix: str
    name: str
    name_en: str
    code_source: str


@dataclass(frozen=True)
class Category:
    code: str
    subject_type: SubjectType
    kind: Kind
    name: str
    name_en: str
    code_source: str


@dataclass(frozen=True)
class Item:
    """One behaviour of the catalogue and what a record of it counts for."""

    code: str
    subject_type: SubjectType
    category: str
    kind: Kind
    title: str
    title_en: str
    basis: str
    penalty_basis: str
    points: Decimal
    severity: Severity | None = None
    disclosure_months: int | None = None
    validity_months: int | None = None
    trigger: Trigger | None = None
    unit: str | None = None

    def record(
        self,
        *,
        id: Any,
        event_date: dt.date,
        quantity: int = 1,
        penalty_until: dt.date | None = None,
        penalised: bool = False,
        settled_on: dt.date | None = None,
        revoked_on: dt.date | None = None,
    ) -> Record:
        """A record of this behaviour: the points are the item's (times the quantity), never chosen."""
        if quantity < 1 or (quantity != 1 and self.unit is None):
            raise ValueError(f"item {self.code}: quantity {quantity} (only items counted per unit take a quantity)")
        points = self.points * quantity
        if self.kind is Kind.GOOD:
            return good_record(
                id=id,
                code=self.code,
                points=points,
                event_date=event_date,
                validity_months=self.validity_months or GOOD_VALIDITY_MONTHS,
                revoked_on=revoked_on,
            )
        assert self.severity is not None
        assert self.disclosure_months is not None
        return bad_record(
            id=id,
            code=self.code,
            severity=self.severity,
            points=points,
            event_date=event_date,
            disclosure_months=self.disclosure_months,
            penalty_until=penalty_until,
            trigger=self.trigger,
            penalised=penalised,
            settled_on=settled_on,
            revoked_on=revoked_on,
        )


@dataclass(frozen=True)
class Catalogue:
    version: str
    title: str
    effective_from: dt.date
    sources: dict[str, str]
    subject_types: dict[SubjectType, SubjectTypeEntry]
    categories: dict[str, Category]
    items: dict[str, Item]

    def item(self, code: str) -> Item:
        return self.items[code]

    def items_for(self, subject_type: SubjectType, kind: Kind | None = None) -> list[Item]:
        return [i for i in self.items.values() if i.subject_type is subject_type and (kind is None or i.kind is kind)]


_TOP_FIELDS = {"format", "version", "title", "effective_from", "sources", "subject_types", "categories", "items"}
_SUBJECT_FIELDS = {"code", "prefix", "name", "name_en", "code_source"}
_CATEGORY_FIELDS = {"code", "kind", "name", "name_en", "code_source"}
_ITEM_FIELDS = {
    "code",
    "title",
    "title_en",
    "basis",
    "penalty_basis",
    "severity",
    "points",
    "unit",
    "disclosure_months",
    "validity_months",
    "trigger",
}
_ITEM_REQUIRED = ("code", "title", "basis", "points")


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, reason: str, **params: Any) -> None:
        self.problems.append(Problem(reason, {key: str(value) for key, value in params.items()}))

    def fields(self, where: str, entry: Any, allowed: set[str], required: tuple[str, ...]) -> bool:
        if not isinstance(entry, dict):
            self.add("field_invalid", where=where, field="entry", expected="an object")
            return False
        for name in sorted(set(entry) - allowed):
            self.add("field_unknown", where=where, field=name)
        ok = True
        for name in required:
            if entry.get(name) in (None, ""):
                self.add("field_missing", where=where, field=name)
                ok = False
        return ok

    def text(self, where: str, entry: dict[str, Any], name: str) -> str:
        value = entry.get(name, "")
        if not isinstance(value, str):
            self.add("field_invalid", where=where, field=name, expected="text")
            return ""
        return value.strip()

    def months(self, where: str, value: Any, name: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add("field_invalid", where=where, field=name, expected="a whole number of months")
            return None
        return value


def load_catalogue(data: Mapping[str, Any] | str | bytes) -> Catalogue:
    """Parse and check a catalogue (a JSON text or the decoded object); raise
    :class:`CatalogueInvalid` with every problem found, or return the catalogue."""
    check = _Checker()
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CatalogueInvalid([Problem("not_json", {"detail": str(error)})]) from error
    if not isinstance(data, dict):
        raise CatalogueInvalid([Problem("not_object")])
    if data.get("format") != FORMAT:
        raise CatalogueInvalid([Problem("format_unsupported", {"value": str(data.get("format")), "expected": FORMAT})])
    check.fields("catalogue", data, _TOP_FIELDS, ("version", "title", "effective_from"))
    effective = _date(check, "catalogue", "effective_from", data.get("effective_from"))
    sources = data.get("sources") or {}
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        check.add("field_invalid", where="catalogue", field="sources", expected="an object of texts")
        sources = {}

    subject_types = _subject_types(check, data.get("subject_types"), sources)
    by_prefix = {entry.prefix: entry for entry in subject_types.values()}
    categories = _categories(check, data.get("categories"), by_prefix, sources)
    items = _items(check, data.get("items"), categories)

    if check.problems:
        raise CatalogueInvalid(check.problems)
    assert effective is not None
    return Catalogue(
        version=str(data["version"]),
        title=str(data["title"]),
        effective_from=effective,
        sources=dict(sources),
        subject_types=subject_types,
        categories=categories,
        items=items,
    )


@dataclass(frozen=True)
class Change:
    """One difference between two catalogue versions: an item added, removed or changed
    (``fields`` names what changed: points, severity, disclosure, trigger, unit, title, basis)."""

    code: str
    change: str  # "added" | "removed" | "changed"
    fields: tuple[str, ...] = ()
    before: Item | None = None
    after: Item | None = None


_COMPARED = (
    ("points", "points"),
    ("severity", "severity"),
    ("disclosure_months", "disclosure"),
    ("validity_months", "validity"),
    ("trigger", "trigger"),
    ("unit", "unit"),
    ("title", "title"),
    ("basis", "basis"),
    ("penalty_basis", "penalty_basis"),
)


def catalogue_diff(before: Catalogue | None, after: Catalogue) -> list[Change]:
    """What a new version changes against the one before it, item by item, in code order."""
    old = before.items if before else {}
    changes: list[Change] = []
    for code in sorted(set(old) | set(after.items)):
        a, b = old.get(code), after.items.get(code)
        if a is None:
            changes.append(Change(code, "added", after=b))
        elif b is None:
            changes.append(Change(code, "removed", before=a))
        else:
            fields = tuple(label for name, label in _COMPARED if getattr(a, name) != getattr(b, name))
            if fields:
                changes.append(Change(code, "changed", fields, before=a, after=b))
    return changes


def load_catalogue_file(path: str | Path) -> Catalogue:
    """A catalogue from a JSON file (UTF-8)."""
    return load_catalogue(Path(path).read_bytes())


def shipped_catalogue_path() -> Path:
    """The starting catalogue shipped with the module."""
    return Path(__file__).resolve().parent / "data" / "catalogue.json"


def _date(check: _Checker, where: str, name: str, value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        check.add("date_invalid", where=where, field=name, value=value)
        return None


def _source(check: _Checker, where: str, value: str, sources: Mapping[str, str]) -> str:
    if value and value != LOCAL and value not in sources:
        check.add("source_unknown", where=where, value=value)
    return value or LOCAL


def _subject_types(check: _Checker, entries: Any, sources: Mapping[str, str]) -> dict[SubjectType, SubjectTypeEntry]:
    result: dict[SubjectType, SubjectTypeEntry] = {}
    prefixes: set[str] = set()
    if not isinstance(entries, list) or not entries:
        check.add("list_empty", field="subject_types")
        return result
    for position, entry in enumerate(entries):
        where = f"subject_types[{position}]"
        if not check.fields(where, entry, _SUBJECT_FIELDS, ("code", "prefix", "name")):
            continue
        try:
            code = SubjectType(entry["code"])
        except ValueError:
            check.add("subject_type_unknown", where=where, value=entry["code"], known=", ".join(SubjectType))
            continue
        prefix = check.text(where, entry, "prefix")
        if code in result:
            check.add("subject_type_duplicate", where=where, value=code)
            continue
        if not PREFIX_PATTERN.match(prefix):
            check.add("prefix_invalid", where=where, value=prefix)
            continue
        if prefix in prefixes:
            check.add("prefix_duplicate", where=where, value=prefix)
            continue
        prefixes.add(prefix)
        result[code] = SubjectTypeEntry(
            code=code,
            prefix=prefix,
            name=check.text(where, entry, "name"),
            name_en=check.text(where, entry, "name_en"),
            code_source=_source(check, where, check.text(where, entry, "code_source"), sources),
        )
    return result


def _categories(
    check: _Checker, entries: Any, by_prefix: Mapping[str, SubjectTypeEntry], sources: Mapping[str, str]
) -> dict[str, Category]:
    result: dict[str, Category] = {}
    if not isinstance(entries, list) or not entries:
        check.add("list_empty", field="categories")
        return result
    for position, entry in enumerate(entries):
        where = f"categories[{position}]"
        if not check.fields(where, entry, _CATEGORY_FIELDS, ("code", "kind", "name")):
            continue
        code = check.text(where, entry, "code")
        match = CATEGORY_PATTERN.match(code)
        if not match:
            check.add("code_malformed", where=where, value=code)
            continue
        if code in result:
            check.add("code_duplicate", where=where, value=code)
            continue
        owner = by_prefix.get(match["prefix"])
        if owner is None:
            check.add("prefix_unknown", where=where, value=code)
            continue
        try:
            kind = Kind(entry["kind"])
        except ValueError:
            check.add("kind_unknown", where=where, value=entry["kind"])
            continue
        source = check.text(where, entry, "code_source")
        result[code] = Category(
            code=code,
            subject_type=owner.code,
            kind=kind,
            name=check.text(where, entry, "name"),
            name_en=check.text(where, entry, "name_en"),
            code_source=_source(check, where, source, sources) if source else owner.code_source,
        )
    return result


def _points(check: _Checker, where: str, value: Any) -> Decimal | None:
    try:
        points = Decimal(str(value)) if not isinstance(value, bool) else None
    except InvalidOperation:
        points = None
    if (
        points is None
        or not points.is_finite()
        or points <= 0
        or points > MAX_POINTS
        or points != points.quantize(Decimal("0.01"))
    ):
        check.add("points_invalid", where=where, value=value, maximum=MAX_POINTS)
        return None
    return points


def _items(check: _Checker, entries: Any, categories: Mapping[str, Category]) -> dict[str, Item]:
    result: dict[str, Item] = {}
    seen: set[str] = set()
    if not isinstance(entries, list) or not entries:
        check.add("list_empty", field="items")
        return result
    for position, entry in enumerate(entries):
        where = f"items[{position}]"
        if not check.fields(where, entry, _ITEM_FIELDS, _ITEM_REQUIRED):
            continue
        code = check.text(where, entry, "code")
        where = f"items[{position}] {code}"
        match = CODE_PATTERN.match(code)
        if not match:
            check.add("code_malformed", where=where, value=code)
            continue
        if code in seen:
            check.add("code_duplicate", where=where, value=code)
            continue
        seen.add(code)
        category = categories.get(f"{match['prefix']}-{match['category']}")
        if category is None:
            check.add("category_unknown", where=where, value=code)
            continue
        points = _points(check, where, entry.get("points"))
        item = _bad_item(check, where, entry) if category.kind is Kind.BAD else _good_item(check, where, entry)
        if points is None or item is None:
            continue
        severity, disclosure, validity, trigger = item
        unit = entry.get("unit")
        result[code] = Item(
            code=code,
            subject_type=category.subject_type,
            category=category.code,
            kind=category.kind,
            title=check.text(where, entry, "title"),
            title_en=check.text(where, entry, "title_en"),
            basis=check.text(where, entry, "basis"),
            penalty_basis=check.text(where, entry, "penalty_basis"),
            points=points,
            severity=severity,
            disclosure_months=disclosure,
            validity_months=validity,
            trigger=trigger,
            unit=str(unit) if unit else None,
        )
    return result


_ItemRules = tuple[Severity | None, int | None, int | None, Trigger | None]


def _bad_item(check: _Checker, where: str, entry: dict[str, Any]) -> _ItemRules | None:
    before = len(check.problems)
    severity: Severity | None = None
    if entry.get("severity") in (None, ""):
        check.add("grade_missing", where=where)
    else:
        try:
            severity = Severity(entry["severity"])
        except ValueError:
            check.add("grade_unknown", where=where, value=entry["severity"])
    months = None
    if entry.get("disclosure_months") is None:
        check.add("disclosure_missing", where=where)
    else:
        months = check.months(where, entry["disclosure_months"], "disclosure_months")
        if months is not None and months < BAD_MIN_MONTHS:
            check.add("disclosure_too_short", where=where, value=months, minimum=BAD_MIN_MONTHS)
        elif months is not None and months > BAD_MAX_MONTHS:
            check.add("disclosure_too_long", where=where, value=months, maximum=BAD_MAX_MONTHS)
    if "validity_months" in entry:
        check.add("field_invalid", where=where, field="validity_months", expected="absent for a bad behaviour")
    trigger = None
    if entry.get("trigger"):
        try:
            trigger = Trigger(entry["trigger"])
        except ValueError:
            check.add("trigger_unknown", where=where, value=entry["trigger"], known=", ".join(Trigger))
        if severity is not None and severity is not Severity.A:
            check.add("trigger_not_severe", where=where, value=severity)
    if len(check.problems) > before:
        return None
    return severity, months, None, trigger


def _good_item(check: _Checker, where: str, entry: dict[str, Any]) -> _ItemRules | None:
    before = len(check.problems)
    if entry.get("severity") not in (None, ""):
        check.add("grade_on_good", where=where)
    if entry.get("disclosure_months") is not None:
        check.add("disclosure_on_good", where=where)
    if entry.get("trigger"):
        check.add("trigger_on_good", where=where)
    validity = entry.get("validity_months", GOOD_VALIDITY_MONTHS)
    if validity != GOOD_VALIDITY_MONTHS:
        check.add("validity_invalid", where=where, value=validity, expected=GOOD_VALIDITY_MONTHS)
    if len(check.problems) > before:
        return None
    return None, None, GOOD_VALIDITY_MONTHS, None
