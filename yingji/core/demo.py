"""The demo district generator: a registry of steps that capability apps extend.

`yingji demo-data --scale futian` runs every registered step in order on one
`DemoContext`. Each app adds its own step in its `demo.py` (discovered
automatically), reading what earlier steps made (jurisdictions, road network,
stations…) from the context. Everything derives from the seed, so two runs
give the same district.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.utils.module_loading import autodiscover_modules

DEMO_PASSWORD = "Yingji-demo-2026"
SCALES = ("futian", "city", "small")


@dataclass
class DemoContext:
    scale: str
    seed: int
    out: TextIO
    rng: random.Random = field(init=False)
    # Filled by the jurisdictions step; read by later steps.
    city: Any = None
    districts: list[Any] = field(default_factory=list)
    streets: list[Any] = field(default_factory=list)
    communities: list[Any] = field(default_factory=list)
    grids: list[Any] = field(default_factory=list)
    # (role label, username, jurisdiction name) printed at the end.
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)
    # Anything a step wants to hand to later steps (road network, stations…).
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def sub_rng(self, name: str) -> random.Random:
        """An independent generator per step, so adding a step does not shift the others."""
        return random.Random(f"{self.seed}:{name}")

    def say(self, message: str) -> None:
        self.out.write(message + "\n")
        self.out.flush()


Step = Callable[[DemoContext], None]
STEPS: list[tuple[int, str, Step]] = []


def demo_step(order: int, name: str) -> Callable[[Step], Step]:
    """Register a generator step; lower orders run first (jurisdictions are 10)."""

    def register(func: Step) -> Step:
        # A step is called with the context alone: a decorator left on a helper (warnings' once)
        # broke `make demo` at that step; refuse it where it is written instead.
        try:
            inspect.signature(func).bind(None)
        except TypeError as exc:
            raise TypeError(f"demo step {name!r} ({func.__module__}.{func.__name__}) must take the context "
                            f"as its one argument") from exc
        if name not in {n for _o, n, _f in STEPS}:
            STEPS.append((order, name, func))
        return func

    return register


def run_demo(scale: str, seed: int, out: TextIO) -> DemoContext:
    autodiscover_modules("demo")
    context = DemoContext(scale=scale, seed=seed, out=out)
    for _order, name, func in sorted(STEPS, key=lambda s: s[0]):
        context.say(f"· {name}")
        func(context)
    return context
