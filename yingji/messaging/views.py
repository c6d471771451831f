"""Pages of messaging: the inbox ("我的消息"), a message's progress, robot targets, contact lists, undelivered."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import yingji
from yingji.audit.services import history_rows
from yingji.core.files import xlsx_response
from yingji.core.forms import add_service_errors
from yingji.core.masking import phone_for
from yingji.core.scope import can, ensure, has_perm_somewhere
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.messaging import contacts, inbox, push, reasons, robots, services
from yingji.messaging.forms import ContactForm, ContactListForm, ImportForm, RobotForm
from yingji.messaging.imports import ContactSpec
from yingji.messaging.models import (
    Channel,
    Contact,
    ContactList,
    Delivery,
    DeliveryStatus,
    Message,
    RobotTarget,
    Topic,
    redacted_url,
)


# -------------------------------------------------------------------- inbox
@login_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The user's messages, newest first; unread ones stand out. Listing them counts as delivered."""
    page = Paginator(inbox.inbox(request.user), 30).get_page(request.GET.get("page"))
    rows = list(page)
    inbox.mark_shown(rows)
    return render(request, "messaging/inbox.html", {"page": page, "rows": rows, "push": push.page_config()})


def _own_delivery(request: HttpRequest, pk: int) -> Delivery:
    """One of the user's own inbox entries; anyone else's is 404."""
    return get_object_or_404(inbox.inbox(request.user), pk=pk)


@login_required
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a message reads it."""
    row = _own_delivery(request, pk)
    services.mark_read(row, request.user)
    row.refresh_from_db()
    return render(request, "messaging/message.html", {"row": row, "message": row.message,
                                                      "link": row.message.payload.get("url", "")})


@login_required
def inbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """Where a phone notification leads: the user's inbox entry of that message (or the inbox)."""
    row = inbox.inbox(request.user).filter(message_id=message_id).first()
    return redirect("messaging:inbox_open", pk=row.pk) if row else redirect("messaging:inbox")


@login_required
@require_POST
def inbox_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    row = _own_delivery(request, pk)
    try:
        services.acknowledge(row, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Acknowledged."))
    return redirect("messaging:inbox_open", pk=row.pk)


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("messaging:inbox")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The inbox's service worker (scope /messaging/): shows Web Push notifications. Holds no data."""
    response = render(request, "messaging/sw.js", {"version": yingji.__version__},
                      content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


# ---------------------------------------------------------------- a message
@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """How far a message got: counts per channel and status, who read and acknowledged."""
    message = get_object_or_404(Message.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    path = message.jurisdiction.path
    rows = Paginator(message.deliveries.select_related("user").order_by("channel", "id"), 50).get_page(
        request.GET.get("page"))
    listed = [{"row": d, "address": phone_for(request.user, d.address, path) if d.channel == Channel.SMS
               else d.address, "reason": reasons.describe(d.last_error) if d.last_error else ""} for d in rows]
    return render(request, "messaging/progress.html", {
        "message": message, "progress": services.progress(message), "page": rows, "rows": listed,
        "channels": dict(Channel.choices), "statuses": DeliveryStatus.choices})


# -------------------------------------------------------------- undelivered
RETRIERS = "messaging.retry_delivery"


@login_required
def dead_letters(request: HttpRequest) -> HttpResponse:
    """Deliveries given up after their last attempt, in the user's area, with why; retried from here."""
    if not has_perm_somewhere(request.user, RETRIERS):
        raise PermissionDenied
    rows = (Delivery.objects.restrict(request.user, "retry_delivery").filter(status=DeliveryStatus.DEAD)
            .select_related("message__jurisdiction", "user", "robot").order_by("-queued_at", "-id"))
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    listed = [{"row": d, "reason": reasons.describe(d.last_error),
               "address": phone_for(request.user, d.address, d.message.jurisdiction.path)
               if d.channel == Channel.SMS else d.address} for d in page]
    return render(request, "messaging/dead_letters.html", {"page": page, "rows": listed, "channel": channel,
                                                           "channels": Channel.choices})


@login_required
@require_POST
def dead_letters_retry(request: HttpRequest) -> HttpResponse:
    """Retry the chosen given-up deliveries (or all in the user's area on one channel)."""
    if not has_perm_somewhere(request.user, RETRIERS):
        raise PermissionDenied
    rows = Delivery.objects.restrict(request.user, "retry_delivery").filter(status=DeliveryStatus.DEAD)
    ids = [int(i) for i in request.POST.getlist("delivery") if i.isdigit()]
    if ids:
        rows = rows.filter(pk__in=ids)
    elif request.POST.get("channel") in Channel.values:
        rows = rows.filter(channel=request.POST["channel"])
    count = services.retry(rows)
    messages.success(request, _("%(n)s deliveries queued again.") % {"n": count})
    return redirect(reverse("messaging:dead_letters") + (f"?channel={request.POST.get('channel')}"
                                                         if request.POST.get("channel") in Channel.values else ""))


# ------------------------------------------------------------ robot targets
ROBOT_MANAGERS = "messaging.change_robottarget"


def _robot_jurisdictions(user: Any) -> Any:
    """Where the user may add a robot target: their areas down to communities (grids have no duty group)."""
    return (Jurisdiction.objects.restrict(user, "messaging.add_robottarget").exclude(level=Level.GRID)
            .order_by("path"))


def _robot(request: HttpRequest, pk: int) -> RobotTarget:
    """A target the user may change: 404 outside their area, 403 for a read-only role inside it."""
    target = get_object_or_404(RobotTarget.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    ensure(request.user, "change", target)
    return target


@login_required
def robot_list(request: HttpRequest) -> HttpResponse:
    """The duty groups' robots and systems that hear messages, with how their last message went."""
    if not has_perm_somewhere(request.user, ROBOT_MANAGERS):
        raise PermissionDenied
    last = Delivery.objects.filter(robot=OuterRef("pk")).order_by("-queued_at", "-id")
    targets = (RobotTarget.objects.editable_by(request.user).select_related("jurisdiction")
               .annotate(last_status=Subquery(last.values("status")[:1]),
                         last_at=Subquery(last.values("queued_at")[:1]),
                         last_error=Subquery(last.values("last_error")[:1]))
               .order_by("jurisdiction__path", "name"))
    page = Paginator(targets, 50).get_page(request.GET.get("page"))
    labels = dict(DeliveryStatus.choices)
    topics = dict(Topic.choices)
    rows = [{"target": t, "url": redacted_url(t.url), "last_status": t.last_status,  # type: ignore[attr-defined]
             "last_label": labels.get(t.last_status, ""), "last_at": t.last_at,  # type: ignore[attr-defined]
             "last_error": reasons.describe(t.last_error) if t.last_error else "",  # type: ignore[attr-defined]
             "topics": [topics.get(x, x) for x in t.topics]} for t in page]
    return render(request, "messaging/robots.html", {
        "page": page, "rows": rows, "can_add": has_perm_somewhere(request.user, "messaging.add_robottarget")})


@login_required
def robot_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "messaging.add_robottarget"):
        raise PermissionDenied
    form = RobotForm(request.POST or None, jurisdictions=_robot_jurisdictions(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = robots.create_target(actor=request.user, jurisdiction=data["jurisdiction"], name=data["name"],
                                          format=data["format"], url=data["url"], secret=data["secret"],
                                          topics=data["topics"], is_active=data["is_active"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Robot target saved. Send a test message to check it."))
            return redirect("messaging:robot_edit", pk=target.pk)
    return render(request, "messaging/robot_form.html", {"form": form})


@login_required
def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a target; its recent deliveries, the test button and its change history."""
    target = _robot(request, pk)
    jurisdictions = _robot_jurisdictions(request.user) | Jurisdiction.objects.filter(pk=target.jurisdiction_id)
    initial = {"name": target.name, "jurisdiction": target.jurisdiction, "format": target.format, "url": target.url,
               "topics": target.topics, "is_active": target.is_active}
    form = RobotForm(request.POST or None, initial=initial, jurisdictions=jurisdictions, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        secret = "" if data.get("clear_secret") else (data["secret"] or None)
        try:
            robots.update_target(target, actor=request.user, jurisdiction=data["jurisdiction"], name=data["name"],
                                 format=data["format"], url=data["url"], secret=secret, topics=data["topics"],
                                 is_active=data["is_active"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Robot target saved."))
            return redirect("messaging:robot_edit", pk=target.pk)
    deliveries = [{"row": d, "reason": reasons.describe(d.last_error) if d.last_error else ""}
                  for d in target.deliveries.select_related("message").order_by("-queued_at", "-id")[:20]]
    return render(request, "messaging/robot_form.html", {
        "form": form, "target": target, "deliveries": deliveries, "history": history_rows(target),
        "may_delete": can(request.user, "delete", target)})


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    sent = services.send_test_message(_robot(request, pk), actor=request.user)
    if sent.status == DeliveryStatus.SENT:
        messages.success(request, _("Test message delivered."))
    else:
        messages.error(request, _("Could not deliver the test message: %(reason)s") % {
            "reason": reasons.describe(sent.last_error)})
    return redirect("messaging:robot_edit", pk=pk)


@login_required
@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(RobotTarget.objects.visible_to(request.user), pk=pk)
    robots.delete_target(target, actor=request.user)
    messages.success(request, _("Robot target deleted."))
    return redirect("messaging:robots")


def moved(name: str) -> Any:
    """The incidents app's old webhook pages live here now: their addresses answer with a permanent redirect."""

    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return HttpResponsePermanentRedirect(reverse(name, kwargs=kwargs))

    return view


# ------------------------------------------------------------ contact lists
def _list(request: HttpRequest, pk: int) -> ContactList:
    return get_object_or_404(ContactList.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)


@login_required
def contact_list_index(request: HttpRequest) -> HttpResponse:
    from django.db.models import Count

    lists = (ContactList.objects.visible_to(request.user).select_related("jurisdiction")
             .annotate(size=Count("contacts")).order_by("jurisdiction__path", "name"))
    form = ContactListForm(jurisdictions=Jurisdiction.objects.restrict(request.user, "messaging.add_contactlist")
                           .order_by("path"))
    return render(request, "messaging/contact_lists.html", {
        "page": Paginator(lists, 50).get_page(request.GET.get("page")), "form": form,
        "can_add": has_perm_somewhere(request.user, "messaging.add_contactlist")})


@login_required
@require_POST
def contact_list_create(request: HttpRequest) -> HttpResponse:
    jurisdictions = Jurisdiction.objects.restrict(request.user, "messaging.add_contactlist").order_by("path")
    form = ContactListForm(request.POST, jurisdictions=jurisdictions)
    if form.is_valid():
        try:
            created = contacts.create_list(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("messaging:contact_list", pk=created.pk)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("messaging:contact_lists")


@login_required
def contact_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact_list = _list(request, pk)
    path = contact_list.jurisdiction.path
    page = Paginator(contact_list.contacts.order_by("name", "pk"), 100).get_page(request.GET.get("page"))
    rows = [{"contact": c, "phone": phone_for(request.user, c.phone, path)} for c in page]
    return render(request, "messaging/contact_list.html", {
        "list": contact_list, "page": page, "rows": rows, "form": ContactForm(), "upload": ImportForm(),
        "may_change": can(request.user, "change", contact_list), "may_delete": can(request.user, "delete", contact_list),
        "history": history_rows(contact_list)})


@login_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    contact_list = _list(request, pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contacts.add_contact(contact_list, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("messaging:contact_list", pk=pk)


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    contact_list = _list(request, pk)
    contact = get_object_or_404(Contact.objects.visible_to(request.user).filter(contact_list=contact_list),
                                pk=contact_pk)
    contacts.delete_contact(contact, actor=request.user)
    return redirect("messaging:contact_list", pk=pk)


@login_required
@require_POST
def contact_list_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contacts.delete_list(_list(request, pk), actor=request.user)
    messages.success(request, _("Contact list deleted."))
    return redirect("messaging:contact_lists")


@login_required
def contact_list_export(request: HttpRequest, pk: int) -> HttpResponse:
    contact_list = _list(request, pk)
    ensure(request.user, "export", contact_list)
    return xlsx_response(ContactSpec(request.user, contact_list).stream_xlsx(), contact_list.name)


@login_required
def contact_list_template(request: HttpRequest, pk: int) -> HttpResponse:
    contact_list = _list(request, pk)
    return xlsx_response(ContactSpec(request.user, contact_list).to_xlsx([]), _("contacts-template"))


@login_required
@require_POST
def contact_list_import(request: HttpRequest, pk: int) -> HttpResponse:
    contact_list = _list(request, pk)
    ensure(request.user, "change", contact_list)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an .xlsx or .csv file."))
        return redirect("messaging:contact_list", pk=pk)
    upload = form.cleaned_data["file"]
    result = ContactSpec(request.user, contact_list).import_file(upload.read(), upload.name)
    if result.ok:
        messages.success(request, _("Imported: %(c)s created, %(u)s updated, %(s)s unchanged.") % {
            "c": result.created, "u": result.updated, "s": result.unchanged})
    else:
        for error in result.errors[:20]:
            messages.error(request, str(error))
    return redirect("messaging:contact_list", pk=pk)
