"""Validation of the 18-digit resident identity number (公民身份号码, GB 11643-1999).

We use python-stdnum's ``cn.ric`` for the format, the ISO 7064 MOD 11-2 check digit and the birth
date, and its GB/T 2260 table for the region part — but not its rule that the region code must have
existed in the person's birth year. That rule rejects real numbers: a code is given when the number
is issued, so everyone in 长白朝鲜族自治县 (220623, from 1985) born before 1985 fails it
(python-stdnum issue #442). We accept any code the table has ever held.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

OLDEST_PLAUSIBLE_BIRTH_YEAR = 1890


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: datetime.date
    sex: str  # "M" / "F"
    region_code: str


def normalise_id_number(value: str) -> str:
    """Strip spaces (also inside the number, and full-width ones) and dashes, upper-case a trailing x."""
    return ric.compact(re.sub(r"[\s\-]", "", value or ""))


def _region_known(code: str) -> bool:
    results = numdb.get("cn/loc").info(code)
    return any(props.get("county") for _part, props in results)


def parse_id_number(value: str, *, today: datetime.date | None = None) -> IdFacts:
    """Validate an ID number and return the facts it encodes; raise ValidationError in Chinese."""
    number = normalise_id_number(value)
    try:
        if len(number) != 18:
            raise InvalidLength()
        if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
            raise InvalidFormat()
        if number[-1] != ric.calc_check_digit(number):
            raise InvalidChecksum()
        birth = ric.get_birth_date(number)
    except InvalidLength:
        raise ValidationError("身份证号应为18位", code="id_length") from None
    except InvalidFormat:
        raise ValidationError("身份证号格式错误：前17位应为数字，末位为数字或X", code="id_format") from None
    except InvalidChecksum:
        raise ValidationError("身份证号校验位错误，请核对是否录入有误", code="id_checksum") from None
    except InvalidComponent:
        raise ValidationError("身份证号中的出生日期不存在", code="id_birth_date") from None
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError("身份证号中的出生日期晚于今天", code="id_birth_future")
    if birth.year < OLDEST_PLAUSIBLE_BIRTH_YEAR:
        raise ValidationError("身份证号中的出生日期不合理", code="id_birth_implausible")
    if not _region_known(number[:6]):
        raise ValidationError("身份证号前6位不是有效的行政区划代码", code="id_region")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdFacts(number=number, birth_date=birth, sex=sex, region_code=number[:6])


def validate_id_number(value: str) -> None:
    """Django field validator."""
    parse_id_number(value)


def make_id_number(region_code: str, birth: datetime.date, sequence: int) -> str:
    """Build a valid number (for demo data and tests): region, birth date, 3-digit sequence, check digit.

    An odd sequence is a man, an even one a woman.
    """
    body = f"{region_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")
