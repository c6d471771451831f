"""What the apps' form pages share: a service's refusal shown on the form that sent it.

Pages validate through the same service functions as the API (DESIGN.md: one place for the rules);
the form only shapes the input. When a service refuses with ValidationError({field: [messages]}),
the messages go under the field of that name, or above the form when the form has no such field.
Used by the pages of plans, drills, hazards, resources, training, publicity and accounts.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: under the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
