"""Contact lists: people to reach by SMS or email who may have no account (warnings' key groups).

Every write is here (pages, API and the Excel import call the same
functions); a list belongs to a jurisdiction and its contacts inherit it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.core.validators import check_phone
from yingji.messaging.models import Contact, ContactList


def clean_phone(value: str) -> str:
    """A contact's number as core.validators.check_phone keeps it (a mobile or a landline
    with its area code); empty stays empty."""
    try:
        return check_phone(value or "")
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from error


def _clean_contact(name: str, phone: str, email: str, unit: str) -> tuple[str, str, str, str]:
    errors: dict[str, Any] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    try:
        phone = clean_phone(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    if not errors and not phone and not email:
        errors["phone"] = _("Give a phone number or an email address.")
    if errors:
        raise ValidationError(errors)
    return name[:50], phone, email, (unit or "").strip()[:100]


def create_list(*, actor: Any, jurisdiction: Any, name: str, description: str = "") -> ContactList:
    ensure_in(actor, "messaging.add_contactlist", jurisdiction.path)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if ContactList.objects.filter(jurisdiction=jurisdiction, name=name).exists():
        raise ValidationError({"name": _("This area already has a list of this name.")})
    return ContactList.objects.create(jurisdiction=jurisdiction, name=name[:100], description=description or "")


def delete_list(contact_list: ContactList, *, actor: Any) -> None:
    ensure(actor, "delete", contact_list)
    contact_list.delete()


def add_contact(contact_list: ContactList, *, actor: Any, name: str, phone: str = "", email: str = "",
                unit: str = "") -> Contact:
    ensure(actor, "change", contact_list)
    name, phone, email, unit = _clean_contact(name, phone, email, unit)
    if Contact.objects.filter(contact_list=contact_list, name=name, phone=phone).exists():
        raise ValidationError({"name": _("This person is already on the list.")})
    return Contact.objects.create(contact_list=contact_list, name=name, phone=phone, email=email, unit=unit)


def update_contact(contact: Contact, *, actor: Any, name: str, phone: str = "", email: str = "",
                   unit: str = "") -> Contact:
    ensure(actor, "change", contact)
    contact.name, contact.phone, contact.email, contact.unit = _clean_contact(name, phone, email, unit)
    contact.save()
    return contact


def delete_contact(contact: Contact, *, actor: Any) -> None:
    ensure(actor, "delete", contact)
    contact.delete()
