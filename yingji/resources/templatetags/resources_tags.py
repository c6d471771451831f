"""Template helpers of the registry pages: ledger URLs and masked personal data."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from yingji.core.masking import id_number_for, phone_for
from yingji.core.scope import object_path

register = template.Library()


@register.simple_tag
def ledger_url(ledger: Any, action: str, pk: int | None = None) -> str:
    """{% ledger_url ledger "detail" row.pk %} -> /resources/stations/7/"""
    name = f"resources:{ledger.prefix}_{action}"
    return reverse(name, args=[pk]) if pk is not None else reverse(name)


@register.simple_tag(takes_context=True)
def phone(context: Any, obj: Any, field: str = "phone") -> str:
    """A person's phone, masked for viewers without the personal-data permission over the row."""
    return phone_for(context["request"].user, getattr(obj, field), object_path(obj))


@register.simple_tag(takes_context=True)
def id_number(context: Any, obj: Any) -> str:
    return id_number_for(context["request"].user, obj.id_number, object_path(obj))
