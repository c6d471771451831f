"""Every time a client sends goes through the one rule (core.api.ClientDatetime / as_utc): with an
offset as given, without one read as Beijing time, handed on in UTC.

Generated over every operation's parameter and body models (nested schemas included), so a new
`datetime.datetime` field in a request is caught; and one switched endpoint (a patrol check-in's
`at`, which answered 500 on a naive time: compared with an aware now) is called both ways.
"""

from __future__ import annotations

import datetime
import typing
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pydantic import BaseModel

from yingji.core.api import as_utc
from yingji.core.testing import api_client

BEIJING = ZoneInfo("Asia/Shanghai")


def _unconverted(model: type[BaseModel], seen: set[type], where: str, found: set[tuple[str, str]]) -> None:
    if model in seen:
        return
    seen.add(model)
    decorators = getattr(model, "__pydantic_decorators__", None)
    # Fields a validator hands to as_utc (duty's schemas) count as converted.
    validated = {name for d in (decorators.field_validators.values() if decorators else ())
                 if "as_utc" in getattr(getattr(d.func, "__func__", d.func), "__code__", None).co_names
                 for name in d.info.fields}
    for name, field in model.model_fields.items():
        _check(field.annotation, list(field.metadata), model, name, validated, seen, where, found)


def _check(annotation, metadata, model, name, validated, seen, where, found) -> None:  # type: ignore[no-untyped-def]
    if annotation is datetime.datetime:
        if not any(getattr(m, "func", None) is as_utc for m in metadata) and name not in validated:
            found.add((f"{model.__module__}.{model.__qualname__}.{name}", where))
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        _unconverted(annotation, seen, where, found)
        return
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Annotated:
            base, *more = typing.get_args(arg)
            _check(base, metadata + more, model, name, validated, seen, where, found)
        else:
            _check(arg, metadata, model, name, validated, seen, where, found)


def test_every_datetime_in_a_request_is_a_client_datetime():
    from yingji.api import api

    found: set[tuple[str, str]] = set()
    operations = 0
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                operations += 1
                for model in operation.models:
                    _unconverted(model, set(), f"{operation.methods} {prefix}{path}", found)
    assert operations > 100
    # A field validator calling as_utc counts too (duty's schemas); anything else is a straggler.
    assert not found, sorted(found)


@pytest.fixture
def plan(cast):  # type: ignore[no-untyped-def]
    from yingji.hazards.tests.test_checklist_keys import make_plan

    return make_plan(cast)


@pytest.mark.django_db
@pytest.mark.parametrize("aware", [False, True], ids=["naive-beijing", "with-offset"])
def test_a_check_in_time_with_or_without_offset(cast, plan, aware):
    from yingji.hazards.models import CheckIn

    made = (timezone.now() - datetime.timedelta(hours=3)).replace(microsecond=0)
    if aware:
        sent = made.astimezone(datetime.timezone(datetime.timedelta(hours=-5))).isoformat()
    else:
        sent = made.astimezone(BEIJING).replace(tzinfo=None).isoformat()   # "2026-12-05T11:00:00"
    answer = api_client(cast.grid_worker_a).post(f"/api/v1/hazards/patrol-plans/{plan.pk}/check-ins",
                                                 {"risk_point": "K-1", "lon": 114.0100, "lat": 22.5100, "at": sent})
    assert answer.status_code == 201, answer.content[:300]
    [row] = CheckIn.objects.all()
    assert row.at == made, (sent, row.at)
