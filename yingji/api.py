"""The one API at /api/v1/: every capability app contributes its router."""

from __future__ import annotations

import datetime
import logging
import re
import types
import typing
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from yingji.accounts.auth import AUTH
from yingji.core.api import (
    declare_file_contents_checked,
    declare_nul_refused,
    declare_unknown_fields_refused,
    document_errors,
    error_body,
    pydantic_message,
)

logger = logging.getLogger("yingji.api")


class _UniqueNamesDocument(OpenAPISchema):
    """Ninja's document builder, telling of two different schemas under one component name.

    Ninja files every schema under its class name, so a second `StepIn` silently replaced
    the first and the document hid one of them: schema names are unique across apps.
    """

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        #: Names given to two different schemas (core/tests/test_openapi_document.py asserts there are none).
        self.collisions: set[str] = set()
        super().__init__(api, path_prefix)

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            if name in self.schemas and self.schemas[name] != definition:
                self.collisions.add(name)
                logger.error("Two API schemas are called %s: rename one (the OpenAPI document shows only one).", name)
        super().add_schema_definitions(definitions)


class YingjiAPI(NinjaAPI):
    """Ninja's API whose OpenAPI document declares the one error shape on every operation, names each
    schema once and says that no string of a request may hold NUL."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        document = document_errors(_UniqueNamesDocument(self, path_prefix))
        return declare_file_contents_checked(declare_unknown_fields_refused(declare_nul_refused(document)))


api = YingjiAPI(
    title="Yingji API",
    version="1",
    description="Community-level emergency management: jurisdictions, resources, supplies, incidents.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        # loc is ("body", "payload", "field", ...) or ("query", "field"): keep the field path.
        full_loc = [str(part) for part in error.get("loc", ())]
        # A file parameter's errors come as ("file", name): its name is the field.
        named = full_loc[1:] if full_loc[:1] == ["file"] else full_loc
        loc = [part for part in named if part not in ("body", "query", "path", "payload", "form")]
        # The body as a whole (not an object where one is expected) is named "body".
        whole = "body" if full_loc[:1] == ["body"] and not loc else "__all__"
        errors.append({"field": ".".join(loc) or whole, "message": pydantic_message(error)})
    return api.create_response(request, error_body(_("The request has invalid fields."), "invalid", errors), status=422)


@api.exception_handler(DjangoValidationError)
def on_service_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [{"field": field if field != "__all__" else "__all__", "message": str(m)}
                  for field, messages in exc.message_dict.items() for m in messages]
    else:
        errors = [{"field": "__all__", "message": str(m)} for m in exc.messages]
    detail = errors[0]["message"] if len(errors) == 1 else _("The request has invalid fields.")
    return api.create_response(request, error_body(detail, "invalid", errors), status=422)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(_("Not found."), "not_found"), status=404)


@api.exception_handler(OverflowError)
def on_id_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # SQLite cannot even compare an id past 2**63; no such row exists anywhere.
    return api.create_response(request, error_body(_("Not found."), "not_found"), status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, error_body(str(exc) or _("You do not have permission to do this."), "forbidden"), status=403
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, error_body(_("Authentication required."), "unauthenticated"), status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body(str(exc), "error"), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return api.create_response(request, error_body(
        _("The request body is larger than %(n)s MB.") % {"n": f"{limit_mb:g}"}, "too_large"), status=413)


@api.exception_handler(MultiPartParserError)
def on_malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # A multipart body without a boundary (or cut short): the client's fault, whoever read it first.
    return api.create_response(request, error_body(_("The request is malformed."), "bad_request"), status=400)


@api.exception_handler(DataError)
def on_out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
    # What the schemas did not bound, the database refuses (a number past its column, a
    # string too long): the client's value, so a 422, never a 500.
    logger.warning("API %s %s: the database refused a value: %s", request.method, request.path, exc)
    return api.create_response(request, error_body(_("A value is out of the range this field can hold."),
                                                   "invalid"), status=422)


@api.exception_handler(IntegrityError)
def on_conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    logger.warning("API %s %s: a constraint refused the write: %s", request.method, request.path, exc)
    return api.create_response(request, error_body(
        _("The request conflicts with the stored data (a missing or duplicate value)."), "conflict"), status=409)


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else: logged with its traceback, answered in the one error shape."""
    logger.exception("API %s %s failed", request.method, request.path)
    return api.create_response(request, error_body(_("The server could not complete the request."), "server_error"),
                               status=500)


def _add_app_routers() -> None:
    for app_module in settings.YINGJI_APPS:
        module = import_module(app_module)
        if module_has_submodule(module, "api"):
            router = getattr(import_module(f"{app_module}.api"), "router", None)
            if router is not None:
                api.add_router(f"/{app_module.rsplit('.', 1)[-1]}/", router)


def _object_body(model: type) -> None:
    """Make an operation's JSON body model refuse a body that is not an object where it takes a schema.

    Ninja's Schema reads fields as attributes, so `[]`, `"x"`, `3` or `null` sent to an operation whose
    fields are all optional (every PATCH) validated as "no change" and answered 200. The body is checked
    here, once for every operation, before the schema reads it: a 422 naming the body.
    """
    if getattr(model, "__ninja_param_source__", None) != "body" or getattr(model, "__yingji_object_body__", False):
        return
    single = getattr(model, "__read_from_single_attr__", None)
    if single:
        annotation = model.model_fields[single].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return  # a list body (plans' steps) or a plain value: its own type checks it
    read = model.get_request_data

    def get_request_data(cls: type, request: HttpRequest, api: NinjaAPI, path_params: dict) -> Any:
        data = read(request, api, path_params)
        if data is not None:
            body = data.get(single) if single and isinstance(data, dict) else data
            if not isinstance(body, dict):
                raise PydanticValidationError.from_exception_data(cls.__name__, [
                    {"type": "model_attributes_type", "loc": (), "input": body}])
        return data

    model.get_request_data = classmethod(get_request_data)
    model.__yingji_object_body__ = True


#: A bare number, which pydantic would read as seconds since 1970 where a date or a time is expected.
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
# (A Decimal is documented as a number or its text, and read as either.)
_LEAVES: dict[Any, str] = {datetime.datetime: "datetime", datetime.date: "date", int: "int", float: "float"}


def _typed_tree(annotation: Any, seen: frozenset = frozenset()) -> Any:
    """Where a value of this type holds a date, a time or a number: the leaf's kind ("date", "int", …), {key: tree} for a model, ("items", tree) for a list; None where it holds none."""
    if annotation in _LEAVES:
        return _LEAVES[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return None
        tree = {}
        for name, field in annotation.model_fields.items():
            sub = _typed_tree(field.annotation, seen | {annotation})
            if sub is not None:
                tree[name] = sub
                if field.alias:
                    tree[field.alias] = sub
        return tree or None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _typed_tree(args[0], seen)
    if origin in (list, tuple, set, frozenset):
        sub = _typed_tree(args[0], seen) if args else None
        return ("items", sub) if sub is not None else None
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        subs = [_typed_tree(arg, seen) for arg in args if arg is not type(None)]
        # Only a plain optional value (X | None): a union of kinds accepts what either does.
        return subs[0] if len(subs) == 1 else None
    return None


def _loosely_typed(value: Any, tree: Any, loc: tuple, json: bool, errors: list[dict]) -> None:
    if isinstance(tree, str):
        wrong = False
        if tree in ("date", "datetime"):
            wrong = not isinstance(value, bool) and (
                isinstance(value, int | float) or (isinstance(value, str) and bool(_NUMBER.match(value))))
        elif json and tree in ("int", "float"):
            # true/false for a number (pydantic takes false for 0). Text of a number stays accepted:
            # pages' scripts send form values as they read them.
            wrong = isinstance(value, bool)
        if wrong:
            kind = {"date": "date_parsing", "datetime": "datetime_parsing", "int": "int_type",
                    "float": "float_type"}[tree]
            errors.append({"type": kind, "loc": loc, "input": value,
                           "ctx": {"error": "wrong type"} if kind.endswith("parsing") else {}})
        return
    if isinstance(tree, tuple):
        for index, item in enumerate(value) if isinstance(value, list) else ((None, value),):
            _loosely_typed(item, tree[1], loc if index is None else (*loc, index), json, errors)
        return
    if isinstance(value, dict):
        for key, sub in tree.items():
            if key in value:
                _loosely_typed(value[key], sub, (*loc, key), json, errors)


def _typed_as_documented(model: type) -> None:
    """Make an operation's parameter or body model refuse a value of another JSON type than the
    document declares, where pydantic's lax reading would take it.

    Pydantic reads `0.5` (a JSON number, or a query string of digits) as seconds since 1970 where a
    date or a time is expected, and `false` as 0 where a number is: so `?updated_since=0.5` listed
    everything and a JSON `received_at: 0` was taken for 1970. The document says a date or a time is
    ISO 8601 text and a number is not true or false; that is all the API reads. Checked here, once for every operation, on the data as the model will read it
    (query strings are text, so only their dates and times are checked): a 422 naming the field.
    """
    if getattr(model, "__yingji_typed__", False):
        return
    model.__yingji_typed__ = True
    tree = _typed_tree(model)
    if tree is None:
        return
    json = getattr(model, "__ninja_param_source__", None) == "body"
    mapped = model._map_data_paths

    def _map_data_paths(cls: type, data: dict) -> dict:
        data = mapped(data)
        errors: list[dict] = []
        _loosely_typed(data, tree, (), json, errors)
        if errors:
            raise PydanticValidationError.from_exception_data(cls.__name__, errors)
        return data

    model._map_data_paths = classmethod(_map_data_paths)


def _files_as_files(model: type) -> None:
    """Make an operation's file parameters refuse text sent under a file's name.

    Ninja reads files from request.FILES only, so `photos=abc` sent as a form field was ignored and
    the hazard reported without its photos: the document declares a file (binary) there. A 422 naming
    the field, as for a file that is missing.
    """
    if getattr(model, "__ninja_param_source__", None) != "file" or getattr(model, "__yingji_files__", False):
        return
    model.__yingji_files__ = True
    names = set(getattr(model, "__ninja_flatten_map__", None) or model.model_fields)
    read = model.get_request_data

    def get_request_data(cls: type, request: HttpRequest, api: NinjaAPI, path_params: dict) -> Any:
        wrong = sorted(name for name in names if name in request.POST and name not in request.FILES)
        if wrong:
            raise PydanticValidationError.from_exception_data(cls.__name__, [
                {"type": "missing", "loc": (name,), "input": None} for name in wrong])
        return read(request, api, path_params)

    model.get_request_data = classmethod(get_request_data)


def _known_keys(annotation: Any, seen: frozenset = frozenset()) -> Any:
    """Which keys a value of this type may hold: {key: subtree} for a model (its fields under name and
    alias), ("items", subtree) for a list; None where any key goes (a free-form dict, a plain value)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return None
        tree: dict[str, Any] = {}
        for name, field in annotation.model_fields.items():
            sub = _known_keys(field.annotation, seen | {annotation})
            tree[name] = sub
            if field.alias:
                tree[field.alias] = sub
        return tree
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _known_keys(args[0], seen)
    if origin in (list, tuple, set, frozenset):
        sub = _known_keys(args[0], seen) if args else None
        return ("items", sub) if sub is not None else None
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        subs = [_known_keys(arg, seen) for arg in args if arg is not type(None)]
        return subs[0] if len(subs) == 1 else None
    return None


def _unknown_keys(value: Any, tree: Any, loc: tuple, errors: list[dict]) -> None:
    if isinstance(tree, tuple):
        for index, item in enumerate(value) if isinstance(value, list) else ():
            _unknown_keys(item, tree[1], (*loc, index), errors)
        return
    if isinstance(tree, dict) and isinstance(value, dict):
        for key, item in value.items():
            if key not in tree:
                errors.append({"type": "extra_forbidden", "loc": (*loc, key), "input": item})
            elif tree[key] is not None:
                _unknown_keys(item, tree[key], (*loc, key), errors)


def _known_fields_only(model: type, other_names: set[str]) -> None:
    """Make an operation's JSON or form body, and its query string, refuse a field the document does
    not declare (`other_names`: the form's and file fields, or the query parameters, of the operation).

    Pydantic ignores unknown keys, so a misspelt field (`adress` for `address`) was dropped without a
    word and the record saved without it; the document now says `additionalProperties: false` on every
    request object (core.api.declare_unknown_fields_refused) and the API does what it says: a 422 naming
    each unknown field, nested ones by their path. A query parameter the operation does not take
    (`?statu=closed`) answered the whole unfiltered list as if it were filtered; now a 422 naming it.
    """
    source = getattr(model, "__ninja_param_source__", None)
    if source not in ("body", "form", "query") or getattr(model, "__yingji_known__", False):
        return
    model.__yingji_known__ = True
    single = getattr(model, "__read_from_single_attr__", None)
    if source == "body":
        tree = _known_keys(model.model_fields[single].annotation) if single else _known_keys(model)
    else:
        # A page's form posted to the API carries Django's CSRF field beside the declared ones.
        tree = {name: None for name in other_names | ({"csrfmiddlewaretoken"} if source == "form" else set())}
    if tree is None:
        return
    read = model.get_request_data

    def get_request_data(cls: type, request: HttpRequest, api: NinjaAPI, path_params: dict) -> Any:
        data = read(request, api, path_params)
        errors: list[dict] = []
        if source in ("form", "query"):
            _unknown_keys({key: None for key in (request.POST if source == "form" else request.GET)}, tree, (),
                          errors)
        elif data is not None:
            body = data.get(single) if single and isinstance(data, dict) else data
            _unknown_keys(body, tree, (), errors)
        if errors:
            raise PydanticValidationError.from_exception_data(cls.__name__, errors)
        return data

    model.get_request_data = classmethod(get_request_data)


def _source(model: type) -> str | None:
    return getattr(model, "__ninja_param_source__", None)


def _field_names(models: list, sources: tuple[str, ...]) -> set[str]:
    """The names (and aliases) an operation's models of these sources take."""
    names: set[str] = set()
    for model in models:
        if _source(model) in sources:
            names |= set(getattr(model, "__ninja_flatten_map__", None) or model.model_fields)
            names |= {field.alias for field in model.model_fields.values() if field.alias}
    return names


def require_object_bodies() -> None:
    """Every operation taking a JSON object as its body answers 422 to a body of another JSON type,
    to a field it does not declare, and to a value of another type than the document declares (a number for a time, a boolean for a
    number, text for a file)."""
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                form_names = _field_names(operation.models, ("form", "file"))
                query_names = _field_names(operation.models, ("query",))
                for model in operation.models:
                    _object_body(model)
                    _known_fields_only(model, query_names if _source(model) == "query" else form_names)
                    _typed_as_documented(model)
                    _files_as_files(model)


_add_app_routers()
require_object_bodies()


def grouped_urls() -> tuple[list, str, str]:
    """The API's URL patterns, one include per app prefix instead of one flat list.

    Django tries patterns in order: with Ninja's flat list (about 170 of them)
    a call to /api/v1/incidents/ was matched against 150 patterns first, a
    tenth of an intake's time. Grouped, it is a dozen prefixes, then that app's
    own. Prefixes are disjoint, so no call resolves differently; names stay in
    the "api" namespace.
    """
    from django.urls import include, path

    patterns, app_name, namespace = api.urls
    grouped: dict[str, list] = {}
    out: list = []
    for pattern in patterns:
        head, slash, rest = str(pattern.pattern).partition("/")
        if not slash or not head or "<" in head:
            out.append(pattern)
            continue
        if head not in grouped:
            grouped[head] = []
            out.append(path(f"{head}/", include(grouped[head])))
        grouped[head].append(path(rest, pattern.callback, pattern.default_args, pattern.name))
    # Within an app, exact paths before those with parameters: `inbox/read-all` (POST) declared after
    # `inbox/{pk}` (GET) was caught by it and answered 405 (found by the API fuzz's status check).
    for patterns_of_app in grouped.values():
        patterns_of_app.sort(key=lambda p: "<" in str(p.pattern))
    return out, app_name, namespace
