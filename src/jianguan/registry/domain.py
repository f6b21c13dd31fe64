"""Plain rules of the base registry: identifiers, qualification classes and grades, project codes.

No database here; the services and importers call these and turn ``IdentifierError`` into the
bilingual ``ApplicationError`` of the field concerned.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError


class IdentifierError(ValueError):
    """An identifier that is not valid; ``reason`` is a translatable message."""

    def __init__(self, reason: object, value: str) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.value = value


USCC_LENGTH = _("A unified social credit code has 18 characters.")
USCC_FORMAT = _("A unified social credit code uses only digits and the letters A–Y without I, O, S, V, Z.")
USCC_CHECKSUM = _("The check character of this unified social credit code is wrong.")
USCC_COMPONENT = _("This unified social credit code has an invalid registration authority or division.")
RIC_LENGTH = _("A resident ID number has 18 characters.")
RIC_FORMAT = _("A resident ID number has 17 digits followed by a digit or X.")
RIC_CHECKSUM = _("The check character of this resident ID number is wrong.")
RIC_BIRTH = _("This resident ID number contains an impossible birth date.")
RIC_REGION = _("The region code of this resident ID number did not exist in the year of birth.")
PROJECT_CODE_FORMAT = _("A project code has 16 digits.")
PERMIT_NUMBER_FORMAT = _("A construction permit number has 18 digits: division, date, sequence and specialty.")


def clean_uscc(value: str) -> str:
    """The compact, upper-case code, or IdentifierError with the reason."""
    compact = uscc.compact(value or "")
    try:
        return str(uscc.validate(compact))
    except InvalidLength as exc:
        raise IdentifierError(USCC_LENGTH, value) from exc
    except InvalidFormat as exc:
        raise IdentifierError(USCC_FORMAT, value) from exc
    except InvalidChecksum as exc:
        raise IdentifierError(USCC_CHECKSUM, value) from exc
    except (InvalidComponent, ValidationError) as exc:
        raise IdentifierError(USCC_COMPONENT, value) from exc


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    gender: str  # "M" or "F"
    division: str


def parse_ric(value: str) -> ResidentId:
    """Validate a resident ID number (checksum, birth date) and derive birth date and gender."""
    compact = ric.compact(value or "").upper()
    if len(compact) != 18:
        raise IdentifierError(RIC_LENGTH, value)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", compact):
        raise IdentifierError(RIC_FORMAT, value)
    try:
        ric.get_birth_date(compact)
    except ValidationError as exc:
        raise IdentifierError(RIC_BIRTH, value) from exc
    try:
        ric.validate(compact)
    except InvalidChecksum as exc:
        raise IdentifierError(RIC_CHECKSUM, value) from exc
    except InvalidComponent as exc:
        try:
            ric.get_birth_date(compact)
        except ValidationError:
            raise IdentifierError(RIC_BIRTH, value) from exc
        raise IdentifierError(RIC_REGION, value) from exc
    except (InvalidFormat, ValidationError) as exc:
        raise IdentifierError(RIC_BIRTH, value) from exc
    birth = ric.get_birth_date(compact)
    if birth > dt.datetime.now(dt.UTC).date() or birth.year < 1900:
        raise IdentifierError(RIC_BIRTH, value)
    return ResidentId(compact, birth, "M" if int(compact[16]) % 2 else "F", compact[:6])


def ric_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits (used to build demo IDs)."""
    return str(ric.calc_check_digit(first17 + "0"))


def uscc_check_character(first17: str) -> str:
    return str(uscc.calc_check_digit(first17))


# --- qualifications (建市〔2020〕94号) -------------------------------------------------------

GENERAL_CONTRACTING = {  # 施工总承包, 13 classes
    "building": "建筑工程",
    "highway": "公路工程",
    "railway": "铁路工程",
    "port": "港口与航道工程",
    "water": "水利水电工程",
    "municipal": "市政公用工程",
    "power": "电力工程",
    "mining": "矿山工程",
    "metallurgy": "冶金工程",
    "petrochemical": "石油化工工程",
    "telecom": "通信工程",
    "electromechanical": "机电工程",
    "airport": "民航工程",
}
SPECIALTY_CONTRACTING = {  # 专业承包, 18 classes
    "decoration": "建筑装修装饰工程",
    "building_mep": "建筑机电工程",
    "highway_specialty": "公路工程类",
    "port_specialty": "港口与航道工程类",
    "railway_electrification": "铁路电务电气化工程",
    "water_specialty": "水利水电工程类",
    "general_specialty": "通用专业承包",
    "foundation": "地基基础工程",
    "lifting": "起重设备安装工程",
    "ready_mixed_concrete": "预拌混凝土",
    "formwork_scaffold": "模板脚手架",
    "waterproofing": "防水防腐保温工程",
    "bridge": "桥梁工程",
    "tunnel": "隧道工程",
    "fire": "消防设施工程",
    "ancient_building": "古建筑工程",
    "transmission": "输变电工程",
    "nuclear": "核工程",
}
OTHER_CLASSES = {
    "supervision": {
        "comprehensive": "工程监理综合资质",
        "housing": "房屋建筑工程监理",
        "municipal": "市政公用工程监理",
    },
    "survey": {"comprehensive": "工程勘察综合资质", "geotechnical": "岩土工程勘察", "surveying": "工程测量"},
    "design": {"comprehensive": "工程设计综合资质", "building": "建筑行业设计", "municipal": "市政行业设计"},
    "testing": {"concrete": "建设工程质量检测(混凝土)", "foundation": "地基基础检测", "structure": "主体结构检测"},
    "cost": {"cost": "工程造价咨询"},
    "agency": {"tendering": "招标代理"},
}
CLASSES: dict[str, dict[str, str]] = {
    "comprehensive": {"comprehensive": "施工综合资质"},
    "general": GENERAL_CONTRACTING,
    "specialty": SPECIALTY_CONTRACTING,
    "labour": {"labour": "专业作业"},
    **OTHER_CLASSES,
}
# categories that carry no grade
UNGRADED = {"comprehensive", "labour"}

# legacy grades (before 2020) → the reformed grade; 特级 became 综合资质 (handled by the caller)
LEGACY_GRADES = {"特": "甲", "特级": "甲", "一": "甲", "一级": "甲", "二": "乙", "二级": "乙", "三": "乙", "三级": "乙"}
GRADES = {"甲", "乙", ""}
GRADE_UNKNOWN = _("Unknown grade %(grade)s: use 甲 or 乙 (legacy 特/一/二/三 are mapped).")
CLASS_UNKNOWN = _("There is no qualification class %(klass)s in category %(category)s.")


def normalise_grade(category: str, grade: str) -> tuple[str, str]:
    """(reformed grade, legacy grade as given or ''). Ungraded categories answer ''."""
    text = (grade or "").strip().replace("级", "级")
    if category in UNGRADED:
        return "", text if text and text not in GRADES else ""
    if text in GRADES:
        return text, ""
    if text.endswith("级") and text[:-1] in GRADES:
        return text[:-1], ""
    if text in LEGACY_GRADES:
        return LEGACY_GRADES[text], text
    raise IdentifierError(GRADE_UNKNOWN, grade)


def class_label(category: str, klass: str) -> str:
    return CLASSES.get(category, {}).get(klass, klass)


# --- project tree codes ----------------------------------------------------------------------

PERMIT_SPECIALTIES = {
    "01": "一般工业与民用建筑",
    "02": "市政道路",
    "17": "给水排水",
    "18": "市政桥梁",
    "19": "其他",
}


def project_code(division: str, day: dt.date, sequence: int) -> str:
    """16 digits: division (6) + registration date (8) + daily sequence (2).

    The national allocation rule is unconfirmed (REGULATIONS.md); this derivation keeps the code
    unique per division and day for up to 99 registrations.
    """
    if not (1 <= sequence <= 99):
        raise ValueError("sequence out of range")
    return f"{division}{day:%Y%m%d}{sequence:02d}"


def check_project_code(code: str) -> str:
    if not re.fullmatch(r"[0-9]{16}", code or ""):
        raise IdentifierError(PROJECT_CODE_FORMAT, code)
    return code


def permit_number(division: str, day: dt.date, sequence: int, specialty: str) -> str:
    """18 digits: division (6) + date (8) + same-day sequence (2) + specialty (2)."""
    if not (1 <= sequence <= 99) or not re.fullmatch(r"[0-9]{2}", specialty):
        raise ValueError("sequence or specialty out of range")
    return f"{division}{day:%Y%m%d}{sequence:02d}{specialty}"


def check_permit_number(number: str) -> str:
    if not re.fullmatch(r"[0-9]{18}", number or ""):
        raise IdentifierError(PERMIT_NUMBER_FORMAT, number)
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdentifierError(PERMIT_NUMBER_FORMAT, number) from exc
    return number
