"""One validator per kind of field, shared by every form, API schema, import and service.

Each `check_*` function takes what a person typed and answers the value as it is
stored (trimmed, normalised), or raises `django.core.exceptions.ValidationError`
with a message that says what is wrong and what is expected. Services put the
message under the field's name, so forms show it beside the field, the API
answers it in the one error shape and imports name the row and column.

- Django forms and model fields: `validate_phone`, `validate_mobile`, `validate_id_number`
  (plain validators).
- Services (which the web forms, the API and the Excel imports all call):
  `clean_into(row, {"phone": check_phone, "id_number": check_id_number}, errors)`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Chinese mobile numbers: 11 digits, 1 then 3–9 (13x … 19x).
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landlines: area code 0 + 2–3 digits, then 7–8 digits, optionally an extension.
LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?$")
# Nationwide service numbers a station or a unit may publish (400/800 lines).
SERVICE_LINE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")

# GB 11643: 17 digits weighted, then the check character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# The provinces' two-digit codes of GB/T 2260 (the first two digits of a region code).
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}


def _compact(value: str) -> str:
    """Spaces, and the full-width digits and dash an input method may type, are forgiven."""
    text = (value or "").strip().translate(str.maketrans("０１２３４５６７８９－—", "0123456789--"))
    return re.sub(r"[\s()（）]", "", text)


def check_mobile(value: str) -> str:
    """A Chinese mobile number: 11 digits starting 13–19. Answers the 11 digits ("" stays "")."""
    number = _compact(value)
    if number.startswith("+86"):
        number = number[3:]
    number = number.replace("-", "")
    if not number or MOBILE.match(number):
        return number
    if not number.isdigit():
        raise ValidationError(_("A mobile number has only digits, e.g. 13800138000."), code="phone")
    if number.startswith("1") and len(number) != 11:
        raise ValidationError(_("A mobile number has 11 digits; this one has %(n)s.") % {"n": len(number)},
                              code="phone")
    if number.startswith("1"):
        raise ValidationError(_("A mobile number starts with 13 to 19."), code="phone")
    raise ValidationError(_("Enter an 11-digit mobile number starting with 13 to 19, e.g. 13800138000."),
                          code="phone")


def check_phone(value: str) -> str:
    """A mobile (11 digits, 13–19) or a landline with its area code (0755-83000000, an
    extension after a second dash); 400/800 service lines too. Answers it as stored:
    a mobile as 11 digits, a landline as area code-number."""
    number = _compact(value)
    if number.startswith("+86"):
        number = number[3:]
    if not number:
        return ""
    if number.startswith("1"):
        return check_mobile(number)
    if SERVICE_LINE.match(number):
        return number
    if not re.match(r"^[0-9-]+$", number):
        raise ValidationError(_("A phone number has only digits and dashes, e.g. 13800138000 or 0755-83000000."),
                              code="phone")
    if number.startswith("0"):
        match = LANDLINE.match(number)
        if match is None or len(match.group(1)) + len(match.group(2)) not in (10, 11, 12):
            raise ValidationError(_(
                "A landline is its area code and 7 or 8 digits, e.g. 0755-83000000; this one is not."),
                code="phone")
        return f"{match.group(1)}-{match.group(2)}" + (f"-{match.group(3)}" if match.group(3) else "")
    raise ValidationError(_(
        "Enter an 11-digit mobile number (13…–19…) or a landline with its area code (0755-83000000)."),
        code="phone")


def check_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """An 18-character resident ID number (GB 11643): a region code, a real birth date
    that has passed, a sequence and the right check character. Answers it upper-cased."""
    number = _compact(value).upper()
    if not number:
        return ""
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters; this one has %(n)s.") % {"n": len(number)},
                              code="id_number")
    if not re.match(r"^\d{17}[\dX]$", number):
        raise ValidationError(_("An ID number is 17 digits and a final digit or X."), code="id_number")
    if number[:2] not in PROVINCES or number[2:6] == "0000":
        raise ValidationError(_("The first six digits (%(region)s) are not a region code.") % {"region": number[:6]},
                              code="id_number")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in the ID number (%(date)s) does not exist.") % {
            "date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}"}, code="id_number") from None
    today = today or timezone.localdate()
    if born > today or born.year < 1900:
        raise ValidationError(_("The birth date in the ID number (%(date)s) is not possible.") % {
            "date": born.isoformat()}, code="id_number")
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[17]:
        raise ValidationError(_("The last character of the ID number is wrong: a typing error somewhere."),
                              code="id_number")
    return number


def check_point(lon: float | None, lat: float | None, *, bounds: tuple[float, float, float, float] | None) -> None:
    """A WGS-84 point, inside `bounds` (min lon, min lat, max lon, max lat — the
    district's, from `jurisdictions.services.district_bounds()`) when given."""
    if lon is None or lat is None:
        return
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(_("Coordinates must be WGS-84 longitude and latitude (longitude first)."),
                              code="point")
    if bounds is not None:
        west, south, east, north = bounds
        if not (west <= lon <= east and south <= lat <= north):
            if west <= lat <= east and south <= lon <= north:
                raise ValidationError(_("Longitude and latitude are swapped: the longitude comes first."),
                                      code="point")
            raise ValidationError(_(
                "The point (%(lon)s, %(lat)s) lies outside the district (longitude %(w)s–%(e)s, "
                "latitude %(s)s–%(n)s).") % {"lon": round(lon, 6), "lat": round(lat, 6), "w": round(west, 3),
                                             "e": round(east, 3), "s": round(south, 3), "n": round(north, 3)},
                code="point")


def check_date_not_future(value: datetime.date | datetime.datetime | None, *,
                          now: datetime.datetime | None = None) -> None:
    """A date or time that has already happened (a birth, a purchase, a receipt of stock)."""
    if value is None:
        return
    now = now or timezone.now()
    if isinstance(value, datetime.datetime):
        if value > now + datetime.timedelta(minutes=1):  # a minute's grace for clocks that differ
            raise ValidationError(_("This time is in the future."), code="future")
    elif value > timezone.localdate(now):
        raise ValidationError(_("This date is in the future."), code="future")


def past_dates_into(obj: object, fields: Iterable[str], errors: dict[str, list[str]]) -> None:
    """check_date_not_future over a row's date fields (a certificate's issue date, the last
    maintenance, an inspection, a production date): a refusal into `errors` under the field's name."""
    for field in fields:
        value = getattr(obj, field, None)
        if isinstance(value, str):  # as typed, before the model's own cleaning parses it
            try:
                value = datetime.date.fromisoformat(value.strip()) if value.strip() else None
            except ValueError:
                continue  # not a date at all: the field's own validation says so
        try:
            check_date_not_future(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)


# Plain validators for Django form and model fields: they only check.
def validate_phone(value: str) -> None:
    check_phone(value)


def validate_mobile(value: str) -> None:
    check_mobile(value)


def validate_id_number(value: str) -> None:
    check_id_number(value)


def clean_into(obj: object, checks: dict[str, Callable[[str], str]], errors: dict[str, list[str]]) -> None:
    """Run `checks` (field name → check_*) over a row about to be saved: the cleaned value
    goes back on the row, a refusal into `errors` under the field's name (the shape every
    service collects its errors in)."""
    for field, check in checks.items():
        try:
            setattr(obj, field, check(getattr(obj, field) or ""))
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
