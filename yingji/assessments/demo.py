"""The demo district gets the Futian and Pingshan assessment schemes (presets.py), scored from
whatever the earlier steps generated."""

from __future__ import annotations

from yingji.assessments.presets import load_presets
from yingji.core.demo import DemoContext, demo_step


@demo_step(90, "assessment schemes")
def assessment_schemes(context: DemoContext) -> None:
    for district in context.districts:
        schemes = load_presets(district)
        context.say(f"  {district.name}: {len(schemes)} schemes")
