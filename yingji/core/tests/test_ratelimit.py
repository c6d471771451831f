"""The public limits count on a sliding window: a burst straddling a minute is limited like any other."""

from __future__ import annotations

import uuid

from yingji.core import ratelimit

BOUNDARY = 29_000_000 * 60.0  # a minute boundary


def test_a_burst_straddling_a_window_boundary_is_still_limited() -> None:
    name = f"test:{uuid.uuid4().hex}"
    assert ratelimit.allow(name, 2, now=BOUNDARY - 0.4)
    assert ratelimit.allow(name, 2, now=BOUNDARY - 0.2)
    # A fixed window would start again at zero here and let a third (and a fourth) through.
    assert not ratelimit.allow(name, 2, now=BOUNDARY + 0.1)
    assert not ratelimit.allow(name, 2, now=BOUNDARY + 30)  # 2 × ½ + 2 counted here > 2


def test_the_limit_comes_back_as_the_earlier_requests_leave_the_window() -> None:
    name = f"test:{uuid.uuid4().hex}"
    assert ratelimit.allow(name, 2, now=BOUNDARY + 1)
    assert ratelimit.allow(name, 2, now=BOUNDARY + 2)
    assert not ratelimit.allow(name, 2, now=BOUNDARY + 3)
    # Two windows later the first window no longer counts; one refusal of the window before weighs 1/60.
    assert ratelimit.allow(name, 2, now=BOUNDARY + 121)
    assert ratelimit.allow(name, 0, now=BOUNDARY + 121)  # no limit


def test_an_address_over_the_public_limit_is_refused(rf, settings) -> None:
    settings.YINGJI_PUBLIC_RATE_PER_MINUTE = 1
    request = rf.post("/", REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7")
    bucket = uuid.uuid4().hex
    assert ratelimit.allow_public(request, bucket)
    assert not ratelimit.allow_public(request, bucket)
