"""Messaging API: the caller's inbox, a message's progress, robot targets, contact lists, undelivered, push.

Mounted at /api/v1/messaging/. The inbox answers only the caller's own
deliveries; everything else starts from the scoped querysets (404 outside
the caller's area, 403 for a role that may see but not change).
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.audit.services import history_rows
from yingji.core.api import NOT_BLANK, ErrorOut, ImportResultOut, Pagination, refuses, request_user
from yingji.core.files import xlsx_response
from yingji.core.masking import phone_for
from yingji.core.scope import ensure
from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging import contacts, inbox, push, reasons, robots, services
from yingji.messaging.imports import ContactSpec
from yingji.messaging.models import (
    Channel,
    Contact,
    ContactList,
    Delivery,
    DeliveryStatus,
    Message,
    RobotFormat,
    RobotTarget,
    Topic,
    redacted_url,
)

router = Router(tags=["messaging"])

#: Where the outbound guard lets a robot or a push service be reached (core.outbound.url_problem).
OUTBOUND_URL = "an http(s) address, not on a local or private network"


# -------------------------------------------------------------------- inbox
class InboxItemOut(Schema):
    id: int
    message: int
    topic: str
    event: str
    title: str
    body: str
    payload: dict[str, Any]
    ask_ack: bool
    queued_at: datetime.datetime
    read_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None

    @staticmethod
    def resolve_message(obj: Delivery) -> int:
        return obj.message_id

    @staticmethod
    def resolve_topic(obj: Delivery) -> str:
        return obj.message.topic

    @staticmethod
    def resolve_event(obj: Delivery) -> str:
        return obj.message.event

    @staticmethod
    def resolve_title(obj: Delivery) -> str:
        return obj.message.title

    @staticmethod
    def resolve_body(obj: Delivery) -> str:
        return obj.message.body

    @staticmethod
    def resolve_payload(obj: Delivery) -> dict[str, Any]:
        return obj.message.payload

    @staticmethod
    def resolve_ask_ack(obj: Delivery) -> bool:
        return obj.message.ask_ack


class InboxFilters(Schema):
    unread: bool = Field(False, description="Only what the caller has not read yet.")


@router.get("/inbox", response=list[InboxItemOut])
@paginate(Pagination)
def list_inbox(request: HttpRequest, filters: Query[InboxFilters]) -> Any:
    """The caller's own in-app messages, newest first."""
    rows = inbox.inbox(request_user(request))
    return rows.filter(read_at=None) if filters.unread else rows


@router.get("/inbox/unread", response=dict)
def unread(request: HttpRequest) -> dict[str, int]:
    return {"unread": inbox.unread_count(request_user(request))}


def _own(request: HttpRequest, pk: int) -> Delivery:
    return get_object_or_404(inbox.inbox(request_user(request)), pk=pk)


@router.get("/inbox/{pk}", response={200: InboxItemOut, 404: ErrorOut})
def open_inbox_item(request: HttpRequest, pk: int) -> Any:
    """One message of the caller's inbox; reading it marks it read."""
    row = _own(request, pk)
    services.mark_read(row, request_user(request))
    row.refresh_from_db()
    return row


@router.post("/inbox/{pk}/read", response={200: InboxItemOut, 404: ErrorOut})
def read(request: HttpRequest, pk: int) -> Any:
    row = _own(request, pk)
    services.mark_read(row, request_user(request))
    row.refresh_from_db()
    return row


@router.post("/inbox/{pk}/acknowledge", response={200: InboxItemOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(pk="a message that asks for acknowledgement"))
def acknowledge(request: HttpRequest, pk: int) -> Any:
    """Acknowledge a message that asks for it (idempotent)."""
    row = _own(request, pk)
    try:
        services.acknowledge(row, request_user(request))
    except ValidationError as error:  # the message's own rule: the refusal names the message
        raise ValidationError({"pk": error.messages}) from error
    row.refresh_from_db()
    return row


@router.post("/inbox/read-all", response=dict)
def read_all(request: HttpRequest) -> dict[str, int]:
    return {"read": services.mark_all_read(request_user(request))}


# ----------------------------------------------------------------- messages
@router.get("/messages/{pk}/progress", response={200: dict, 404: ErrorOut})
def message_progress(request: HttpRequest, pk: int) -> Any:
    """Deliveries per channel and status of a message in the caller's area, and how many read and acknowledged."""
    message = get_object_or_404(Message.objects.visible_to(request_user(request)), pk=pk)
    return services.progress(message)


# ------------------------------------------------------------- undelivered
def _viewer(context: Any) -> Any:
    return request_user(context["request"])


class DeadOut(Schema):
    id: int
    message: int
    title: str
    channel: str
    recipient: str
    address: str
    attempts: int
    reason: str
    queued_at: datetime.datetime

    @staticmethod
    def resolve_message(obj: Delivery) -> int:
        return obj.message_id

    @staticmethod
    def resolve_title(obj: Delivery) -> str:
        return obj.message.title

    @staticmethod
    def resolve_recipient(obj: Delivery) -> str:
        return obj.name or (str(obj.user) if obj.user_id else "")

    @staticmethod
    def resolve_address(obj: Delivery, context: Any) -> str:
        if obj.channel != Channel.SMS:
            return obj.address
        return phone_for(_viewer(context), obj.address, obj.message.jurisdiction.path)

    @staticmethod
    def resolve_reason(obj: Delivery) -> str:
        return reasons.describe(obj.last_error)


def _dead_rows(request: HttpRequest) -> Any:
    return (Delivery.objects.restrict(request_user(request), "retry_delivery").filter(status=DeliveryStatus.DEAD)
            .select_related("message__jurisdiction", "user"))


@router.get("/undelivered", response=list[DeadOut])
@paginate(Pagination)
def list_dead(request: HttpRequest, channel: str | None = None) -> Any:
    """Deliveries given up in the caller's area (those who may retry them), with why."""
    rows = _dead_rows(request).order_by("-queued_at", "-id")
    return rows.filter(channel=channel) if channel else rows


@router.post("/undelivered/{pk}/retry", response={200: dict, 404: ErrorOut})
def retry_dead(request: HttpRequest, pk: int) -> Any:
    row = get_object_or_404(_dead_rows(request), pk=pk)
    return {"queued": services.retry(Delivery.objects.filter(pk=row.pk))}


# ------------------------------------------------------------ robot targets
class RobotIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, json_schema_extra={"pattern": NOT_BLANK})
    jurisdiction: str = Field(..., description="Code of the jurisdiction whose subtree the robot hears about.")
    format: RobotFormat = RobotFormat.GENERIC
    url: str = Field(..., max_length=500)
    secret: str | None = Field(None, max_length=200, description="Empty on update: keep the stored one.")
    topics: list[Topic] = [Topic.INCIDENTS]
    is_active: bool = True


class RobotOut(Schema):
    id: int
    name: str
    jurisdiction: str
    format: str
    url: str
    topics: list[str]
    is_active: bool

    @staticmethod
    def resolve_jurisdiction(obj: RobotTarget) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_url(obj: RobotTarget) -> str:
        return redacted_url(obj.url)


def _robot(request: HttpRequest, pk: int) -> RobotTarget:
    return get_object_or_404(RobotTarget.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=pk)


def _jurisdiction(request: HttpRequest, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)), code=code)


@router.get("/robots", response=list[RobotOut])
def list_robots(request: HttpRequest) -> Any:
    return RobotTarget.objects.visible_to(request_user(request)).select_related("jurisdiction").order_by("pk")


@router.post("/robots", response={201: RobotOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(url=OUTBOUND_URL))
def create_robot(request: HttpRequest, payload: RobotIn) -> Any:
    target = robots.create_target(actor=request_user(request), jurisdiction=_jurisdiction(request, payload.jurisdiction),
                                  name=payload.name, format=payload.format, url=payload.url,
                                  secret=payload.secret or "", topics=[str(t) for t in payload.topics],
                                  is_active=payload.is_active)
    return Status(201, target)


@router.get("/robots/{pk}", response={200: RobotOut, 404: ErrorOut})
def get_robot(request: HttpRequest, pk: int) -> Any:
    return _robot(request, pk)


@router.put("/robots/{pk}", response={200: RobotOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            openapi_extra=refuses(url=OUTBOUND_URL))
def update_robot(request: HttpRequest, pk: int, payload: RobotIn) -> Any:
    return robots.update_target(_robot(request, pk), actor=request_user(request),
                                jurisdiction=_jurisdiction(request, payload.jurisdiction), name=payload.name,
                                format=payload.format, url=payload.url, secret=payload.secret or None,
                                topics=[str(t) for t in payload.topics], is_active=payload.is_active)


@router.delete("/robots/{pk}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_robot(request: HttpRequest, pk: int) -> Any:
    robots.delete_target(_robot(request, pk), actor=request_user(request))
    return Status(204, None)


@router.post("/robots/{pk}/test", response={200: dict, 403: ErrorOut, 404: ErrorOut})
def test_robot(request: HttpRequest, pk: int) -> Any:
    """Post a test message now; answers whether it was delivered and, if not, why (never the network's text)."""
    sent = services.send_test_message(_robot(request, pk), actor=request_user(request))
    return {"delivered": sent.status == DeliveryStatus.SENT, "status": sent.status,
            "reason": reasons.describe(sent.last_error) if sent.status != DeliveryStatus.SENT else ""}


@router.get("/robots/{pk}/history", response={200: list[dict], 404: ErrorOut})
def robot_history(request: HttpRequest, pk: int) -> Any:
    return history_rows(_robot(request, pk))


# ------------------------------------------------------------ contact lists
class ContactListIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, json_schema_extra={"pattern": NOT_BLANK})
    jurisdiction: str
    description: str = ""


class ContactListOut(Schema):
    id: int
    name: str
    jurisdiction: str
    description: str

    @staticmethod
    def resolve_jurisdiction(obj: ContactList) -> str:
        return obj.jurisdiction.code


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=50, json_schema_extra={"pattern": NOT_BLANK})
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    unit: str = Field("", max_length=100)


class ContactOut(Schema):
    id: int
    name: str
    phone: str
    email: str
    unit: str

    @staticmethod
    def resolve_phone(obj: Contact, context: Any) -> str:
        return phone_for(_viewer(context), obj.phone, obj.contact_list.jurisdiction.path)


def _contact_list(request: HttpRequest, pk: int) -> ContactList:
    return get_object_or_404(ContactList.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=pk)


@router.get("/contact-lists", response=list[ContactListOut])
@paginate(Pagination)
def list_contact_lists(request: HttpRequest) -> Any:
    return ContactList.objects.visible_to(request_user(request)).select_related("jurisdiction").order_by("pk")


@router.post("/contact-lists", response={201: ContactListOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(name="not the name of another list of the jurisdiction"))
def create_contact_list(request: HttpRequest, payload: ContactListIn) -> Any:
    created = contacts.create_list(actor=request_user(request), jurisdiction=_jurisdiction(request, payload.jurisdiction),
                                   name=payload.name, description=payload.description)
    return Status(201, created)


@router.delete("/contact-lists/{pk}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_contact_list(request: HttpRequest, pk: int) -> Any:
    contacts.delete_list(_contact_list(request, pk), actor=request_user(request))
    return Status(204, None)


@router.get("/contact-lists/{pk}/contacts", response={200: list[ContactOut], 404: ErrorOut})
@paginate(Pagination)
def list_contacts(request: HttpRequest, pk: int) -> Any:
    """The people on a list; phones masked for roles that may not see personal data."""
    contact_list = _contact_list(request, pk)
    return (Contact.objects.filter(contact_list=contact_list).select_related("contact_list__jurisdiction")
            .order_by("name", "pk"))


@router.post("/contact-lists/{pk}/contacts", response={201: ContactOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(name="not a person already on the list (same name and phone)",
                                   phone="a mobile number (11 digits, 13–19) or a landline with its area code; "
                                         "a phone or an email is required",
                                   email="an email address"))
def add_contact(request: HttpRequest, pk: int, payload: ContactIn) -> Any:
    return Status(201, contacts.add_contact(_contact_list(request, pk), actor=request_user(request), **payload.dict()))


@router.delete("/contact-lists/{pk}/contacts/{contact_pk}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_contact(request: HttpRequest, pk: int, contact_pk: int) -> Any:
    contact_list = _contact_list(request, pk)
    contact = get_object_or_404(Contact.objects.filter(contact_list=contact_list), pk=contact_pk)
    contacts.delete_contact(contact, actor=request_user(request))
    return Status(204, None)


@router.get("/contact-lists/{pk}/export", response={200: None, 403: ErrorOut, 404: ErrorOut})
def export_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    contact_list = _contact_list(request, pk)
    ensure(request_user(request), "export", contact_list)
    return xlsx_response(ContactSpec(request_user(request), contact_list).stream_xlsx(), contact_list.name)


@router.post("/contact-lists/{pk}/import", response={200: ImportResultOut, 403: ErrorOut, 404: ErrorOut,
                                                     422: ImportResultOut})
def import_contacts(request: HttpRequest, pk: int, file: File[UploadedFile]) -> Any:
    """Fill the list from an .xlsx or .csv (name, phone, email, unit); all or nothing, row-numbered errors."""
    contact_list = _contact_list(request, pk)
    ensure(request_user(request), "change", contact_list)
    result = ContactSpec(request_user(request), contact_list).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


# --------------------------------------------------------------------- push
class PushKeysIn(Schema):
    p256dh: str = Field(..., min_length=1, max_length=200, pattern=push.KEY_PATTERN)
    auth: str = Field(..., min_length=1, max_length=100, pattern=push.KEY_PATTERN)


class PushSubscriptionIn(Schema):
    """A browser's PushSubscription.toJSON()."""

    endpoint: str = Field(..., max_length=1000, json_schema_extra={"pattern": NOT_BLANK},
                          description="The push service's http(s) address the browser gave.")
    expiration_time: float | None = Field(None, alias="expirationTime",
                                          description="When the push service ends it (ms since the epoch), as "
                                          "the browser's toJSON() says; not kept.")
    keys: PushKeysIn


@router.get("/push/key", response=dict)
def push_key(request: HttpRequest) -> dict[str, str]:
    """The server's VAPID public key, for `pushManager.subscribe({applicationServerKey})`."""
    return {"key": push.page_config()["key"]}


@router.post("/push/subscriptions", response={201: dict, 422: ErrorOut}, url_name="messaging_push_subscribe",
             openapi_extra=refuses(endpoint=OUTBOUND_URL))
def push_subscribe(request: HttpRequest, payload: PushSubscriptionIn) -> Any:
    """Register this browser for the caller's notifications."""
    sub = push.subscribe(request_user(request), endpoint=payload.endpoint, p256dh=payload.keys.p256dh,
                         auth=payload.keys.auth, user_agent=request.headers.get("User-Agent", ""))
    return Status(201, {"id": sub.pk})


@router.delete("/push/subscriptions", response={204: None})
def push_unsubscribe(request: HttpRequest, endpoint: str) -> Any:
    push.unsubscribe(request_user(request), endpoint)
    return Status(204, None)
