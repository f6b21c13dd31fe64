"""The demo city framework (each module's own steps live in its `demo.py`).

Each module contributes a ``demo.py`` with ``STEPS = [DemoStep(...)]``; :func:`demo_build` runs all
of them in dependency order. Every step draws its randomness from ``ctx.rng(name)``, seeded from
the run's seed and the step's name, so a seed always builds the same city whatever other steps
do. Steps write in bulk (``bulk_create`` and ``ledger_append_many``), never row by row.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.apps import apps
from django.utils import timezone
from tqdm import tqdm

DEMO_ACTOR = "system:demo"
DEMO_PASSWORD = "Jianguan@2026"  # noqa: S105  (demo accounts only; printed by `jianguan demo`)


class Output(Protocol):
    def write(self, text: str, /) -> Any: ...

    def flush(self) -> Any: ...


@dataclass(frozen=True)
class Scale:
    """How big a city to build. Modules read the sizes that concern them."""

    name: str
    enterprises: int
    people: int
    projects: int
    history_days: int


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", enterprises=60, people=600, projects=30, history_days=30),
    "city": Scale("city", enterprises=2000, people=30000, projects=1500, history_days=365),
    "province": Scale("province", enterprises=20000, people=300000, projects=15000, history_days=365),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    description: str


@dataclass
class DemoContext:
    scale: Scale
    seed: int
    today: dt.date
    out: Output = sys.stdout
    show_progress: bool = True
    accounts: list[DemoAccount] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        """A generator of its own for each step or sub-part: independent of the others' draws."""
        return random.Random(f"{self.seed}:{name}")

    def now(self) -> dt.datetime:
        """The demo's "now": the end of ``today`` in the project's time zone."""
        from django.utils import timezone

        return timezone.make_aware(dt.datetime.combine(self.today, dt.time(18, 0)))

    def progress(self, iterable: Iterable[Any], *, total: int | None = None, desc: str = "") -> Iterable[Any]:
        return tqdm(iterable, total=total, desc=desc, file=self.out, disable=not self.show_progress, leave=False)

    def log(self, message: str) -> None:
        self.out.write(message + "\n")


@dataclass(frozen=True)
class DemoStep:
    """A module's part of the demo city. ``after`` names steps that must exist and run first;
    ``after_if_present`` names steps to run after only when their module is installed."""

    name: str
    run: Callable[[DemoContext], None]
    after: tuple[str, ...] = ()
    after_if_present: tuple[str, ...] = ()


class DemoError(RuntimeError):
    pass


def collect_steps() -> list[DemoStep]:
    """Every module's steps, ordered so that each runs after the steps it names."""
    steps: dict[str, DemoStep] = {}
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("jianguan."):
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.demo":
                raise
            continue
        for step in getattr(module, "STEPS", []):
            if step.name in steps:
                raise DemoError(f"two demo steps are called {step.name}")
            steps[step.name] = step
    ordered: list[DemoStep] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise DemoError(f"demo steps depend on each other in a circle: {' -> '.join((*chain, name))}")
        if name not in steps:
            raise DemoError(f"demo step {chain[-1] if chain else '?'} runs after unknown step {name}")
        state[name] = "visiting"
        for before in steps[name].after:
            visit(before, (*chain, name))
        for before in steps[name].after_if_present:
            if before in steps:
                visit(before, (*chain, name))
        state[name] = "done"
        ordered.append(steps[name])

    for name in steps:
        visit(name, ())
    return ordered


def demo_build(
    *,
    scale: str = "tiny",
    seed: int = 2015,
    today: dt.date | None = None,
    out: Output = sys.stdout,
    show_progress: bool = True,
) -> DemoContext:
    """Build the demo city into the (empty, migrated) database."""
    if scale not in SCALES:
        raise DemoError(f"unknown scale {scale}; choose one of {', '.join(SCALES)}")
    ctx = DemoContext(
        scale=SCALES[scale], seed=seed, today=today or timezone.localdate(), out=out, show_progress=show_progress
    )
    for step in collect_steps():
        started = time.perf_counter()
        step.run(ctx)
        ctx.timings[step.name] = time.perf_counter() - started
        ctx.log(f"  ✓ {step.name} ({ctx.timings[step.name]:.1f}s)")
    return ctx
