"""A contact list as a table (Excel/CSV in and out): name, phone, email, unit.

An import fills one list; a row is matched on (name, phone) within it, so a
re-import updates instead of duplicating. Phones leave the server masked for
roles that may not see personal data (core/masking.py).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from yingji.core.masking import phone_for
from yingji.core.tabular import Column, TableSpec, text
from yingji.messaging import contacts
from yingji.messaging.models import Contact, ContactList


class ContactSpec(TableSpec):
    model = Contact
    title = gettext_lazy("Contacts")
    natural_key = ("name", "phone")

    def __init__(self, user: Any, contact_list: ContactList) -> None:
        super().__init__(user)
        self.contact_list = contact_list
        path = contact_list.jurisdiction.path
        self.columns = [
            Column("name", gettext_lazy("Full name"), required=True, parse=text(50)),
            Column("phone", gettext_lazy("Mobile phone"), parse=text(30), width=18,
                   get=lambda c: phone_for(user, c.phone, path)),
            Column("email", gettext_lazy("Email"), parse=text(254), width=24),
            Column("unit", gettext_lazy("Unit"), parse=text(100), width=24),
        ]

    def export_queryset(self) -> Any:
        return Contact.objects.visible_to(self.user).filter(contact_list=self.contact_list).order_by("name", "pk")

    def find_existing(self, values: dict[str, Any]) -> Contact | None:
        phone = values.get("phone") or ""
        try:
            phone = contacts.clean_phone(phone)
        except Exception:  # the row's own check names the column
            pass
        return Contact.objects.filter(contact_list=self.contact_list, name=(values.get("name") or "").strip(),
                                      phone=phone).first()

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        return any((getattr(existing, f) or "") != (values.get(f) or "").strip() for f in ("email", "unit"))

    def save_row(self, values: dict[str, Any], existing: Contact | None) -> Contact:
        fields = {f: values.get(f) or "" for f in ("name", "phone", "email", "unit")}
        if existing is None:
            return contacts.add_contact(self.contact_list, actor=self.user, **fields)
        return contacts.update_contact(existing, actor=self.user, **fields)
