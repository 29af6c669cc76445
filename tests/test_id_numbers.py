"""The resident identity number (GB 11643-1999): what is accepted, what is refused and in which words."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from cases.id_numbers import make_id_number, normalise_id_number, parse_id_number, validate_id_number

TODAY = datetime.date(2026, 3, 1)


def _with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def _refused(value: str, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        parse_id_number(value, **kwargs)
    return error.value


def test_valid_number_gives_birth_date_sex_and_region():
    number = make_id_number("220623", datetime.date(1960, 5, 17), 11)

    facts = parse_id_number(number, today=TODAY)

    assert facts.number == number
    assert facts.birth_date == datetime.date(1960, 5, 17)
    assert facts.sex == "M"  # odd sequence digit
    assert facts.region_code == "220623"


def test_even_sequence_digit_is_a_woman():
    facts = parse_id_number(make_id_number("110101", datetime.date(1985, 12, 31), 12), today=TODAY)
    assert facts.sex == "F"
    assert facts.birth_date == datetime.date(1985, 12, 31)


def test_wrong_check_digit_refused():
    number = make_id_number("220623", datetime.date(1960, 5, 17), 11)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")

    error = _refused(wrong)

    assert error.code == "id_checksum"
    assert error.messages == ["身份证号校验位错误，请核对是否录入有误"]


@pytest.mark.parametrize("value", ["22062319600517011", "2206231960051701111", "", "220623"])
def test_wrong_length_refused(value):
    error = _refused(value)
    assert error.code == "id_length"
    assert error.messages == ["身份证号应为18位"]


@pytest.mark.parametrize("value", ["22062319600517A111", "X20623196005170111", "22062319600517011Y"])
def test_bad_format_refused(value):
    error = _refused(value)
    assert error.code == "id_format"
    assert "前17位应为数字" in error.messages[0]


def test_impossible_birth_date_refused():
    number = _with_check_digit("22062319900230011")  # 30 February 1990

    error = _refused(number)

    assert error.code == "id_birth_date"
    assert error.messages == ["身份证号中的出生日期不存在"]


def test_birth_date_in_the_future_refused():
    number = make_id_number("220623", datetime.date(2026, 3, 2), 11)

    error = _refused(number, today=TODAY)

    assert error.code == "id_birth_future"
    assert error.messages == ["身份证号中的出生日期晚于今天"]


def test_born_today_accepted():
    number = make_id_number("220623", TODAY, 11)
    assert parse_id_number(number, today=TODAY).birth_date == TODAY


def test_implausibly_old_birth_year_refused():
    number = make_id_number("110101", datetime.date(1850, 1, 1), 11)
    assert _refused(number, today=TODAY).code == "id_birth_implausible"


@pytest.mark.parametrize("region", ["999999", "220699"])
def test_unknown_region_code_refused(region):
    number = make_id_number(region, datetime.date(1980, 1, 1), 11)

    error = _refused(number, today=TODAY)

    assert error.code == "id_region"
    assert error.messages == ["身份证号前6位不是有效的行政区划代码"]


def test_changbai_elder_born_before_the_code_existed_is_accepted():
    """长白朝鲜族自治县 has had code 220623 since 1985; people born earlier carry it all the same.

    python-stdnum refuses such numbers (its era check, issue #442) — the reason we do not use it.
    """
    number = make_id_number("220623", datetime.date(1950, 3, 4), 12)
    with pytest.raises(InvalidComponent):
        ric.validate(number)

    facts = parse_id_number(number, today=TODAY)

    assert facts.birth_date == datetime.date(1950, 3, 4)
    assert facts.region_code == "220623"
    assert facts.sex == "F"


def test_x_check_digit_accepted_and_lower_case_normalised():
    number = next(
        n for s in range(1, 200) if (n := make_id_number("220623", datetime.date(1980, 1, 1), s)).endswith("X")
    )

    assert parse_id_number(number, today=TODAY).number == number
    lower = number[:-1] + "x"
    assert parse_id_number(lower, today=TODAY).number == number
    assert normalise_id_number(f" {number[:6]} {number[6:14]} {lower[14:]} ") == number


def test_x_in_place_of_a_digit_check_is_a_checksum_error():
    number = make_id_number("220623", datetime.date(1980, 1, 1), 11)
    if number.endswith("X"):
        pytest.skip("this sequence happens to have an X check digit")
    assert _refused(number[:17] + "X").code == "id_checksum"


def test_field_validator_raises_the_same_chinese_message():
    with pytest.raises(ValidationError) as error:
        validate_id_number("123")
    assert error.value.messages == ["身份证号应为18位"]
