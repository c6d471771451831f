"""Shared API machinery: authentication, pagination, list filters, errors.

Every capability router (yingji/<app>/api.py, `router = Router(...)`) is added
to the one NinjaAPI in yingji/api.py and uses these pieces, so lists paginate
and filter the same way everywhere and errors have one shape:

    {"detail": "<message>", "code": "<code>", "errors": [{"field": "name", "message": "..."}]}
"""


import datetime
import operator
from decimal import Decimal
from functools import reduce
from typing import Annotated, Any, Literal

import annotated_types
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from pydantic import AfterValidator, WithJsonSchema, field_validator


def request_user(request: HttpRequest) -> Any:
    return request.auth if getattr(request, "auth", None) is not None else getattr(request, "user", AnonymousUser())


class Pagination(PaginationBase):
    """`?page=&page_size=`; answers {"items", "count", "page", "page_size"}."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start : start + pagination.page_size]),
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


def as_utc(value: datetime.datetime | None) -> datetime.datetime | None:
    """A client's time in UTC; a time without offset is Beijing time (the platform's zone).

    PostgreSQL refuses odd offsets such as -23:44 in a query, so times are
    normalised before they reach the database.
    """
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC)


#: A calendar year a client sends (a filter, a period): within what a date column holds, so a year of
#: -285142866 is a field error, not a 500 from the database.
Year = Annotated[int, annotated_types.Ge(1900), annotated_types.Le(2999)]


def decimal_number(*, ge: str, le: str) -> Any:
    """A decimal quantity a client sends (days, hours) within [ge, le], stored to one decimal place.

    Pydantic documents a Decimal as a number or any text, so the document promised that "abc", "" or
    "400" were acceptable and the API refused them (422 "Invalid value."). Documented as a JSON number
    within its bounds, which is what the service takes; it is rounded to one decimal place, so `ge` is
    the smallest value that stays one after rounding (0.1 where zero is refused). The text of a number
    stays accepted, as for other numbers (pages' scripts send form values as they read them).
    """
    return Annotated[Decimal, annotated_types.Ge(Decimal(ge)), annotated_types.Le(Decimal(le)),
                     WithJsonSchema({"type": "number", "minimum": float(ge), "maximum": float(le),
                                     "description": "Rounded to one decimal place."})]


# A time a client sends: with an offset as given, without one read as Beijing time (the
# platform's zone, TIME_ZONE), always handed on in UTC. Use it for every datetime in a request.
ClientDatetime = Annotated[datetime.datetime, AfterValidator(as_utc)]


#: A GeoJSON position: longitude, latitude (and an altitude).
Position = Annotated[list[float], Field(min_length=2, max_length=3)]


class PolygonIn(Schema):
    """An area a client sends: a GeoJSON Polygon or MultiPolygon geometry (a jurisdiction's boundary, a
    risk point's area). Typed, so the document says what it holds; the service checks the rings."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[list[Position]] | list[list[list[Position]]] = Field(
        ..., description="A Polygon's rings, or a MultiPolygon's polygons of rings.")


class ListFilters(Schema):
    """Filters every ledger list understands."""

    jurisdiction: str | None = Field(None, description="Code of a jurisdiction: rows in its subtree only.")
    q: str | None = Field(None, description="Text search over the list's name fields.")
    updated_since: datetime.datetime | None = Field(None, description="Rows changed at or after this time.")

    @field_validator("updated_since")
    @classmethod
    def _updated_since_in_utc(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        return as_utc(value)


def apply_list_filters(queryset: QuerySet, filters: ListFilters, search_fields: tuple[str, ...] = ("name",)) -> QuerySet:
    """Narrow an already scoped queryset by the common list filters."""
    if filters.jurisdiction:
        # core comes before jurisdictions (settings.YINGJI_APPS) and imports none of it.
        jurisdiction = apps.get_model("jurisdictions", "Jurisdiction")
        path = jurisdiction.objects.filter(code=filters.jurisdiction).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        queryset = queryset.in_subtree(path)
    if filters.q:
        text = filters.q.strip()
        queryset = queryset.filter(reduce(operator.or_, (Q(**{f"{f}__icontains": text}) for f in search_fields)))
    if filters.updated_since:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    return queryset


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[ErrorItem] = []


class ImportResultOut(Schema):
    """What an Excel/CSV import answers (core.tabular.ImportResult.as_dict), for every ledger."""

    ok: bool
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]]


def error_body(detail: str, code: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors or []}


def pydantic_message(error: dict[str, Any]) -> str:
    """Translate the common pydantic error types into the request's language."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "string_too_long": _("At most %(n)s characters.") % {"n": ctx.get("max_length")},
        "string_too_short": _("At least %(n)s characters.") % {"n": ctx.get("min_length")},
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "float_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "finite_number": _("Enter a number."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "greater_than_equal": _("Must be at least %(n)s.") % {"n": ctx.get("ge")},
        "greater_than": _("Must be greater than %(n)s.") % {"n": ctx.get("gt")},
        "less_than_equal": _("Must be at most %(n)s.") % {"n": ctx.get("le")},
        "less_than": _("Must be less than %(n)s.") % {"n": ctx.get("lt")},
        "enum": _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")},
        "literal_error": _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")},
        "datetime_parsing": _("Enter a date and time (ISO 8601)."),
        "datetime_from_date_parsing": _("Enter a date and time (ISO 8601)."),
        "date_parsing": _("Enter a date (YYYY-MM-DD)."),
        "date_type": _("Enter a date (YYYY-MM-DD)."),
        "datetime_type": _("Enter a date and time (ISO 8601)."),
        "date_from_datetime_parsing": _("Enter a date (YYYY-MM-DD)."),
        "json_invalid": _("The request body is not valid JSON."),
        "model_attributes_type": _("The request body must be a JSON object."),
        "dict_type": _("Must be an object."),
        "list_type": _("Must be a list."),
        "string_type": _("Must be text."),
        "extra_forbidden": _("Unknown field: the request does not take it (check its name)."),
    }
    if kind in messages:
        return messages[kind]
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", ""))
    return _("Invalid value.")


#: The errors any operation may answer, each in the one error shape: the API's exception handlers
#: (yingji/api.py) turn a malformed body into 400, no or a bad token into 401, a refusal into 403, an
#: object out of scope into 404, a constraint into 409, a body over the limit into 413, invalid
#: fields into 422, the public rate limit into 429 and anything else into 500.
ERROR_STATUSES = ("400", "401", "403", "404", "409", "413", "422", "429", "500")
ERROR_DESCRIPTIONS = {
    "400": "Malformed request", "401": "Authentication required", "403": "Forbidden",
    "404": "Not found (or out of the caller's jurisdiction)", "409": "Conflict with stored data",
    "413": "Request body too large", "422": "Invalid fields", "429": "Too many requests",
    "500": "Server error",
}


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Declare the one error shape for every error status on every operation of an OpenAPI document.

    An operation that declares its own body for an error status (an import's 422 is its
    ImportResultOut with the rows' errors) keeps it, as one of the two shapes it may answer.
    """
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorItem", ErrorItem.model_json_schema())
    error_out = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    error_out.pop("$defs", None)
    components.setdefault("ErrorOut", error_out)
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for methods in document.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            # Ninja keys statuses by int; the document's JSON has them as strings either way.
            responses = operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
            for status in ERROR_STATUSES:
                declared = responses.get(status)
                if declared is None:
                    responses[status] = {"description": ERROR_DESCRIPTIONS[status],
                                         "content": {"application/json": {"schema": ref}}}
                    continue
                media = declared.setdefault("content", {}).setdefault("application/json", {})
                schema = media.get("schema")
                if schema is None:
                    media["schema"] = ref
                elif schema != ref and ref not in schema.get("anyOf", []):
                    media["schema"] = {"anyOf": [schema, ref]}
    return document


def _walk_request_schemas(document: dict[str, Any], visit: Any, parameters: bool) -> None:
    """Call `visit(schema)` on every schema a request holds — its JSON and form bodies and, with
    `parameters`, its path and query parameters — and on what each holds, each component once.
    `visit` changes the schema as it needs and returns the sub-schemas to go into."""
    components = document.get("components", {}).get("schemas", {})
    done: set[str] = set()

    def walk(schema: Any) -> None:
        if isinstance(schema, list):
            for item in schema:
                walk(item)
            return
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in done and name in components:
                done.add(name)
                walk(components[name])
            return
        for sub in visit(schema):
            walk(sub)

    for methods in document.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            if parameters:
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") in ("query", "path"):
                        walk(parameter.get("schema"))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema"))


def declare_unknown_fields_refused(document: dict[str, Any]) -> dict[str, Any]:
    """Say in the OpenAPI document what the API does with a field it does not know (yingji/api.py
    `_known_fields_only`): every object of a request body — JSON or form, nested ones included — has
    `additionalProperties: false`. Objects that declare no properties (free-form) are left open."""

    def close(schema: dict[str, Any]) -> list[Any]:
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        return [*(schema.get("properties") or {}).values(),
                *(schema[key] for key in ("items", "anyOf", "oneOf", "allOf") if key in schema)]

    _walk_request_schemas(document, close, parameters=False)
    return document


def declare_file_contents_checked(document: dict[str, Any]) -> dict[str, Any]:
    """Every file a request uploads is refused by its content where the content is wrong (a table's
    rows and columns, GeoJSON, a photo): the document says so in the operation's `x-refuses` (see
    `refuses`), for each file field, since JSON Schema describes a file only as bytes."""
    for methods in document.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                for name, prop in (media.get("schema", {}).get("properties") or {}).items():
                    if "binary" in (prop.get("format"), (prop.get("items") or {}).get("format")):
                        rules = operation.setdefault("x-refuses", [])
                        if name not in {rule["field"] for rule in rules}:
                            rules.append({"field": name, "rule": "the file's content: its format, rows and "
                                                                 "columns as the operation describes them"})
    return document


def refuses(**rules: str) -> dict[str, Any]:
    """`openapi_extra` for an operation that may refuse a request its schema allows, by a rule JSON
    Schema cannot state: one across fields ("from_station, or from_lon and from_lat"), one naming a
    row that must exist ("a material of the catalogue"), the content of an uploaded file. The document
    names each such field and its rule in words (`x-refuses`); a 422 for any other field of a
    schema-valid request is a defect, and the API fuzz (core/tests/test_api_fuzz.py) fails on it.

        @router.get("/travel-time", openapi_extra=refuses(from_station="a station code, or from_lon and from_lat"))
    """
    return {"x-refuses": [{"field": field, "rule": rule} for field, rule in rules.items()]}


#: What every string a client sends must match: the NUL gate (core.http.RefuseNulMiddleware) refuses NUL
#: in every query parameter, path, JSON and form body before any operation reads it.
NO_NUL = "^[^\\x00]*$"

#: What a text a service refuses when blank must match: something besides spaces (and no NUL). Stated in
#: the document (`Field(json_schema_extra={"pattern": NOT_BLANK})`) beside the service's own check, which
#: refuses it with its message; Python's `\s` is what `str.strip()` removes.
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"


def declare_nul_refused(document: dict[str, Any]) -> dict[str, Any]:
    """Say in the OpenAPI document what the NUL gate does: every string of a request (path and query
    parameters, JSON and form bodies, their nested schemas, the keys of free-form objects) matches NO_NUL.

    Without it the document promised that any string was acceptable, and a client (or the API fuzz's
    positive-data check) sending one with NUL got a 422 it could not have foreseen. Strings with a
    format (dates, files) or an enumeration, and those with a pattern of their own, are left as they are.
    """
    def mark(schema: dict[str, Any]) -> list[Any]:
        if (schema.get("type") == "string" and not {"format", "enum", "const", "pattern"} & set(schema)):
            schema["pattern"] = NO_NUL
        if (schema.get("type") == "object" and "properties" not in schema
                and schema.get("additionalProperties", True) is not False and "propertyNames" not in schema):
            # A free-form object's keys are text too (a quiz's answers keyed by question).
            schema["propertyNames"] = {"pattern": NO_NUL}
        return [*(sub for key in ("properties", "$defs") for sub in (schema.get(key) or {}).values()),
                *(schema[key] for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not")
                  if key in schema)]

    _walk_request_schemas(document, mark, parameters=True)
    return document

