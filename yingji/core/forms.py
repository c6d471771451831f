"""What the apps' form pages share: a service's refusal shown on the form that sent it.

Pages validate through the same service functions as the API (DESIGN.md: one place for the rules);
the form only shapes the input. When a service refuses with ValidationError({field: [messages]}),
the messages go under the field of that name, or above the form when the form has no such field.
Used by the pages of plans, drills, hazards, resources, training, publicity and accounts. FilesField takes
several files from one input and leaves their checks to the service (core/uploads.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: under the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input (photos of an event, of a report). Each is checked by the service that
    stores it — photos by core.uploads.clean_image: size, real image bytes, re-encoded — not here, so the
    form and the API refuse the same files with the same message."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(FilesField, self).clean(d, initial) for d in data if d]  # (a comprehension: no bare super)
        return [super().clean(data, initial)] if data else []
