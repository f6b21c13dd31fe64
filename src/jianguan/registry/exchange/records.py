"""One record of the registry in exchange form, for imports and the provincial sync alike.

A record is a flat mapping of field keys to values (strings from CSV, typed cells from Excel,
JSON values from the province). :func:`parse_record` turns it into the services' vocabulary or
lists every problem with its field; :func:`apply_record` resolves the references (enterprise by
credit code, person by ID number) and calls the service, so every rule is the services' rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import TextChoices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors
from jianguan.core.ledger import Actor
from jianguan.registry import domain, services
from jianguan.registry.models import (
    Certificate,
    Enterprise,
    ManagementRelation,
    Person,
    Qualification,
    Registration,
)

ENTITIES = ("enterprise", "qualification", "safety_licence", "person", "registration", "shareholding", "management")
ENTITY_LABELS: dict[str, Promise] = {
    "enterprise": _("Enterprises"),
    "qualification": _("Qualifications"),
    "safety_licence": _("Safety production licences"),
    "person": _("People"),
    "registration": _("Registrations"),
    "shareholding": _("Shareholdings"),
    "management": _("Management relationships"),
}
# identifier fields: credit codes and resident ID numbers
USCC_KEYS = frozenset({"uscc", "enterprise", "holder_uscc", "manager", "managed"})
RIC_KEYS = frozenset({"id_number", "holder_id_number", "legal_representative_id_number"})

REQUIRED = _("This field is required.")
BAD_DATE = _("Not a date: %(value)s (use YYYY-MM-DD).")
BAD_NUMBER = _("Not a number: %(value)s.")
BAD_CHOICE = _("Unknown value %(value)s; allowed: %(allowed)s.")
UNKNOWN_ENTERPRISE = _("No enterprise with the unified social credit code %(uscc)s is registered.")
UNKNOWN_PERSON = _("No person with this resident ID number is registered.")
UNKNOWN_ENTITY = _("Unknown record type %(entity)s.")


@dataclass(frozen=True)
class Problem:
    """Why a record (or one of its fields) was refused; ``field`` is '' for the whole record."""

    field: str
    message: Any  # a lazy translatable message
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    code: str = "invalid"

    def render(self, language: str) -> str:
        with translation.override(language):
            params = {
                key: str(value) if isinstance(value, Promise | str) else value for key, value in self.params.items()
            }
            text = str(self.message)
            return text % params if params else text

    @classmethod
    def from_error(cls, error: errors.ApplicationError) -> Problem:
        return cls(str(error.extra.get("field", "")), error.message, dict(error.params), error.code)

    @classmethod
    def from_django(cls, error: DjangoValidationError) -> list[Problem]:
        """A model's own validation (lengths, choices) as problems, one per field message."""
        found: list[Problem] = []
        details = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
        for name, items in details.items():
            for item in items:
                found.append(cls("" if name == "__all__" else name, item.message, dict(item.params or {}), "invalid"))
        return found


@dataclass(frozen=True)
class Field:
    key: str
    zh: str
    en: str
    required: bool = False
    kind: str = "text"  # text | date | decimal | choice | identifier
    choices: tuple[tuple[str, Any], ...] = ()
    example: Any = ""
    width: int = 16


def _choices(choices: type[TextChoices]) -> tuple[tuple[str, Any], ...]:
    return tuple((value, label) for value, label in choices.choices)


CERT_STATUS = _choices(Certificate.Status)
CATEGORY_CHOICES = _choices(Qualification.Category)

CERTIFICATE_FIELDS = (
    Field("number", "证书编号", "certificate number", True, example="D242000001", width=18),
    Field("issuer", "发证机关", "issued by", True, example="湖北省住房和城乡建设厅", width=24),
    Field("valid_from", "有效期起", "valid from", kind="date", example=dt.date(2025, 1, 1), width=12),
    Field("valid_until", "有效期至", "valid until", True, kind="date", example=dt.date(2030, 12, 31), width=12),
    Field("status", "证书状态", "status", kind="choice", choices=CERT_STATUS, example="valid", width=10),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "enterprise": (
        Field("uscc", "统一社会信用代码", "unified social credit code", True, "identifier", example="", width=22),
        Field("name", "企业名称", "name", True, example="宜昌示例建设有限公司", width=28),
        Field("kind", "企业类型", "kind", True, "choice", _choices(Enterprise.Kind), example="construction"),
        Field("legal_representative", "法定代表人", "legal representative", True, example="张三", width=12),
        Field("registered_capital", "注册资本(万元)", "registered capital (10,000 yuan)", kind="decimal", example=5000),
        Field("address", "地址", "address", example="宜昌市西陵区东山大道1号", width=30),
        Field("jurisdiction", "行政区划代码", "administrative division code", True, example="420502", width=12),
        Field("phone", "联系电话", "phone", example="0717-6000000", width=14),
        Field("status", "企业状态", "status", kind="choice", choices=_choices(Enterprise.Status), example="active"),
        # last, so files laid out for the earlier template keep their columns
        Field(
            "legal_representative_id_number",
            "法定代表人身份证号",
            "legal representative's resident ID number",
            kind="identifier",
            width=22,
        ),
    ),
    "qualification": (
        Field("enterprise", "企业统一社会信用代码", "enterprise credit code", True, "identifier", width=22),
        Field("category", "资质类别", "category", True, "choice", CATEGORY_CHOICES, example="general"),
        Field("klass", "资质类型", "class", True, example="建筑工程", width=18),
        Field("grade", "等级", "grade", example="甲", width=8),
        *CERTIFICATE_FIELDS,
    ),
    "safety_licence": (
        Field("enterprise", "企业统一社会信用代码", "enterprise credit code", True, "identifier", width=22),
        *(
            Field(f.key, f.zh, f.en, f.required, f.kind, f.choices, "(鄂)JZ安许证字[2025]000001", f.width)
            if f.key == "number"
            else f
            for f in CERTIFICATE_FIELDS
        ),
    ),
    "person": (
        Field("id_number", "身份证号", "resident ID number", True, "identifier", width=22),
        Field("name", "姓名", "name", True, example="李四", width=12),
        Field("phone", "手机号", "phone", example="13800000000", width=14),
    ),
    "registration": (
        Field("id_number", "身份证号", "resident ID number", True, "identifier", width=22),
        Field("enterprise", "注册单位统一社会信用代码", "enterprise credit code", True, "identifier", width=22),
        Field("kind", "注册类别", "kind", True, "choice", _choices(Registration.Kind), example="constructor_1"),
        Field("specialty", "专业", "specialty", example="建筑工程", width=14),
        *(
            Field(f.key, f.zh, f.en, f.required, f.kind, f.choices, "鄂142000000001", f.width)
            if f.key == "number"
            else f
            for f in CERTIFICATE_FIELDS
        ),
    ),
    "shareholding": (
        Field("enterprise", "企业统一社会信用代码", "enterprise credit code", True, "identifier", width=22),
        Field(
            "holder_uscc", "股东统一社会信用代码", "shareholder credit code (enterprise)", kind="identifier", width=22
        ),
        Field(
            "holder_id_number", "股东身份证号", "shareholder resident ID number (person)", kind="identifier", width=22
        ),
        Field("holder_name", "股东姓名", "shareholder name (person)", width=12),
        Field("share", "持股比例(%)", "share (%)", True, "decimal", example=60, width=10),
        Field("since", "持股起始日", "since", kind="date", example=dt.date(2020, 1, 1), width=12),
        Field("until", "持股截止日", "until (last day)", kind="date", width=12),
    ),
    "management": (
        Field("manager", "管理单位统一社会信用代码", "managing unit credit code", True, "identifier", width=22),
        Field("managed", "被管理单位统一社会信用代码", "managed unit credit code", True, "identifier", width=22),
        Field("kind", "管理关系类型", "kind", True, "choice", _choices(ManagementRelation.Kind), example="supervising"),
        Field("basis", "依据文件", "basis (document)", example="宜国资〔2020〕12号", width=24),
        Field("since", "起始日", "since", kind="date", example=dt.date(2020, 1, 1), width=12),
        Field("until", "截止日", "until (last day)", kind="date", width=12),
    ),
}

GRADE_OPTIONS = ("甲", "乙", "特级", "一级", "二级", "三级")


def field_of(entity: str, key: str) -> Field | None:
    return next((f for f in FIELDS[entity] if f.key == key), None)


def field_title(entity: str, key: str, language: str) -> str:
    spec = field_of(entity, key)
    if spec is None:
        return key
    return spec.zh if language.startswith("zh") else spec.en


# --- parsing ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise ValueError(text)


def _choice_lookup(choices: tuple[tuple[str, Any], ...]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[value.lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                text = str(label)
            lookup[text.lower()] = value
            if "(" in text:  # "Registered constructor, grade 1 (一级建造师)" answers to 一级建造师 too
                lookup[text[text.rfind("(") + 1 : text.rfind(")")].lower()] = value
                lookup[text[: text.find("(")].strip().lower()] = value
    return lookup


_LOOKUPS: dict[tuple[str, str], dict[str, str]] = {}


def choice_value(entity: str, spec: Field, raw: str) -> str | None:
    key = (entity, spec.key)
    if key not in _LOOKUPS:
        _LOOKUPS[key] = _choice_lookup(spec.choices)
    return _LOOKUPS[key].get(raw.lower())


def choice_label(spec: Field, value: str, language: str = "zh-hans") -> str:
    for code, label in spec.choices:
        if code == value:
            with translation.override(language):
                text = str(label)
            if language.startswith("zh") and "(" in text:
                return text[text.rfind("(") + 1 : text.rfind(")")]
            return text
    return value


def _klass(category: str, raw: str) -> str:
    classes = domain.CLASSES.get(category, {})
    if raw in classes:
        return raw
    for key, label in classes.items():
        if label == raw:
            return key
    return raw  # the service names the unknown class


def parse_record(
    entity: str, raw: Mapping[str, Any], *, identities: dict[str, domain.ResidentId] | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """The record in the services' vocabulary, and every problem found in it. Identifiers are
    checked with the same domain functions the services use; ``identities`` (optional) collects
    what ``domain.parse_ric`` derived from each valid ID number, so bulk paths need not parse twice."""
    if entity not in FIELDS:
        return {}, [Problem("", UNKNOWN_ENTITY, {"entity": entity}, "entity_unknown")]
    clean: dict[str, Any] = {}
    problems: list[Problem] = []
    for spec in FIELDS[entity]:
        if spec.key not in raw:
            if spec.required:
                problems.append(Problem(spec.key, REQUIRED, code="required"))
            continue
        value = raw[spec.key]
        text = _text(value)
        if text == "":
            if spec.required:
                problems.append(Problem(spec.key, REQUIRED, code="required"))
            continue  # an empty optional cell leaves the stored value as it is
        if spec.kind == "date":
            try:
                clean[spec.key] = _date(value)
            except ValueError:
                problems.append(Problem(spec.key, BAD_DATE, {"value": text}, "date_invalid"))
        elif spec.kind == "decimal":
            try:
                clean[spec.key] = Decimal(text.replace(",", ""))
            except InvalidOperation:
                problems.append(Problem(spec.key, BAD_NUMBER, {"value": text}, "number_invalid"))
        elif spec.kind == "choice":
            chosen = choice_value(entity, spec, text)
            if chosen is None:
                allowed = ", ".join(code for code, _label in spec.choices)
                problems.append(Problem(spec.key, BAD_CHOICE, {"value": text, "allowed": allowed}, "choice_unknown"))
            else:
                clean[spec.key] = chosen
        elif spec.kind == "identifier" and spec.key in USCC_KEYS:
            try:
                clean[spec.key] = domain.clean_uscc(text)
            except domain.IdentifierError as exc:
                problems.append(Problem(spec.key, exc.reason, code="uscc_invalid"))
        elif spec.kind == "identifier" and spec.key in RIC_KEYS:
            try:
                resident = domain.parse_ric(text)
            except domain.IdentifierError as exc:
                problems.append(Problem(spec.key, exc.reason, code="id_number_invalid"))
            else:
                clean[spec.key] = resident.number
                if identities is not None and spec.key == "id_number":
                    identities[resident.number] = resident
        else:
            clean[spec.key] = text
    if entity == "qualification" and "category" in clean and "klass" in clean:
        clean["klass"] = _klass(clean["category"], clean["klass"])
        category, klass = clean["category"], clean["klass"]
        promoted = category == "general" and clean.get("grade") in {"特", "特级"}
        if not promoted and klass not in domain.CLASSES.get(category, {}):
            problems.append(
                Problem("klass", domain.CLASS_UNKNOWN, {"klass": klass, "category": category}, "qualification_class")
            )
        elif not promoted:
            try:
                domain.normalise_grade(category, str(clean.get("grade", "")))
            except domain.IdentifierError as exc:
                problems.append(Problem("grade", domain.GRADE_UNKNOWN, {"grade": exc.value}, "grade_unknown"))
    if entity == "shareholding" and not problems and ("holder_uscc" in clean) == ("holder_id_number" in clean):
        problems.append(Problem("holder_uscc", services.HOLDER_ONE, code="shareholder_one"))
    if clean.get("since") and clean.get("until") and clean["until"] < clean["since"]:
        problems.append(
            Problem(
                "until", services.PERIOD_REVERSED, {"start": clean["since"], "until": clean["until"]}, "dates_reversed"
            )
        )
    if clean.get("valid_from") and clean.get("valid_until") and clean["valid_until"] < clean["valid_from"]:
        problems.append(
            Problem(
                "valid_until",
                services.DATES_REVERSED,
                {"start": clean["valid_from"], "until": clean["valid_until"]},
                "dates_reversed",
            )
        )
    return clean, problems


# --- applying --------------------------------------------------------------------------------


def find_enterprise(uscc: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None:
        raise errors.ValidationFailed(
            UNKNOWN_ENTERPRISE, code="enterprise_unknown", uscc=uscc, extra={"field": "enterprise"}
        )
    return enterprise


def find_person(id_number: str) -> Person:
    person = Person.objects.filter(id_number=id_number).first()
    if person is None:
        raise errors.ValidationFailed(UNKNOWN_PERSON, code="person_unknown", extra={"field": "id_number"})
    return person


def _certificate_data(clean: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: clean[key] for key in ("number", "issuer", "valid_from", "valid_until", "status") if key in clean
    }
    if "status" not in data:
        data.pop("status", None)
    return data


def _apply_enterprise(actor: Actor, clean: dict[str, Any], source: str) -> str:
    return services.enterprise_upsert(actor=actor, data=clean, source=source)[1]


def _apply_qualification(actor: Actor, clean: dict[str, Any], source: str) -> str:
    enterprise = find_enterprise(clean["enterprise"])
    data = {
        "category": clean["category"],
        "klass": clean["klass"],
        "grade": clean.get("grade", ""),
        **_certificate_data(clean),
    }
    return services.qualification_upsert(actor=actor, enterprise=enterprise, data=data, source=source)[1]


def _apply_safety_licence(actor: Actor, clean: dict[str, Any], source: str) -> str:
    enterprise = find_enterprise(clean["enterprise"])
    return services.safety_licence_upsert(
        actor=actor, enterprise=enterprise, data=_certificate_data(clean), source=source
    )[1]


def _apply_person(actor: Actor, clean: dict[str, Any], source: str) -> str:
    return services.person_upsert(actor=actor, data=clean, source=source)[1]


def _apply_registration(actor: Actor, clean: dict[str, Any], source: str) -> str:
    person = find_person(clean["id_number"])
    enterprise = find_enterprise(clean["enterprise"])
    data = {"kind": clean["kind"], "specialty": clean.get("specialty", ""), **_certificate_data(clean)}
    return services.registration_upsert(actor=actor, person=person, enterprise=enterprise, data=data, source=source)[1]


def _apply_shareholding(actor: Actor, clean: dict[str, Any], source: str) -> str:
    enterprise = find_enterprise(clean["enterprise"])
    data: dict[str, Any] = {key: clean.get(key) for key in ("share", "since", "until")}
    if clean.get("holder_uscc"):
        data["holder_enterprise"] = find_enterprise(clean["holder_uscc"])
    elif clean.get("holder_id_number"):
        data["holder_person"] = services.shareholder_person(
            actor=actor, id_number=clean["holder_id_number"], name=clean.get("holder_name", ""), source=source
        )
    return services.shareholding_upsert(actor=actor, enterprise=enterprise, data=data, source=source)[1]


def _apply_management(actor: Actor, clean: dict[str, Any], source: str) -> str:
    manager = find_enterprise(clean["manager"])
    managed = find_enterprise(clean["managed"])
    data = {key: clean.get(key) for key in ("kind", "basis", "since", "until")}
    return services.management_upsert(actor=actor, manager=manager, managed=managed, data=data, source=source)[1]


APPLY: dict[str, Callable[[Actor, dict[str, Any], str], str]] = {
    "enterprise": _apply_enterprise,
    "qualification": _apply_qualification,
    "safety_licence": _apply_safety_licence,
    "person": _apply_person,
    "registration": _apply_registration,
    "shareholding": _apply_shareholding,
    "management": _apply_management,
}


def apply_record(entity: str, clean: dict[str, Any], *, actor: Actor, source: str) -> str:
    """Upsert one parsed record through its service: ``created``, ``updated`` or ``unchanged``.
    Raises the service's ApplicationError when a rule refuses it (in the service's transaction,
    so nothing of the record is written)."""
    return APPLY[entity](actor, clean, source)
