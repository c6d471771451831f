"""What the apps' form pages share: a service's refusal shown on the form that sent it, and the loop
of a create/edit page that saves through a service.

Pages validate through the same service functions as the API (DESIGN.md: one place for the rules);
the form only shapes the input. When a service refuses with ValidationError({field: [messages]}),
the messages go under the field of that name, or above the form when the form has no such field
(`add_service_errors`: the pages of plans, drills, hazards, resources, training, publicity, accounts,
incidents, messaging, supplies and duty). `form_view` is the whole loop of such a page — save,
refusal on the form with 422 and nothing changed, or a message and a redirect — used by the hazards
pages (risk points, patrol plans, inspectors, inspections). FilesField takes several files from one
input and leaves their checks to the service (core/uploads.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: under the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_view(request: HttpRequest, form: forms.BaseForm, *, save: Callable[[forms.BaseForm], Any],
              saved: str | Callable[[Any], str], success_url: Callable[[Any], str],
              page: Callable[[forms.BaseForm], HttpResponse]) -> HttpResponse:
    """A POST with a valid form is saved with `save(form)` (the app's service function); then `saved`
    (or `saved(what save returned)`) is said and the browser goes to `success_url(what save returned)`.
    Otherwise — a GET, invalid input, or the service refusing with ValidationError or PermissionDenied
    (a jurisdiction the user may not write in) — `page(form)` is drawn with the errors on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do this in that jurisdiction."))
        else:
            messages.success(request, saved(result) if callable(saved) else saved)
            return redirect(success_url(result))
    return page(form)


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
