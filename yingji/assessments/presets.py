"""The Futian and Pingshan schemes, shipped as data (docs/assessments.md computes an example by hand).

`load_presets(district)` creates or refreshes them under a district: `yingji assessment-presets`,
the demo's step, and the tests call it. The weights and targets are the published ones; how each
area is measured (which indicator, how many points) is this platform's reading of them, editable
as data afterwards.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from yingji.assessments.models import (
    Basis,
    BonusRule,
    IndicatorItem,
    IndicatorKind,
    Module,
    Scheme,
    SubjectLevel,
)
from yingji.jurisdictions.models import Jurisdiction

C, M = IndicatorKind.COMPUTED, IndicatorKind.MANUAL
ONE_THREE_ONE = {"community": 1, "industrial_park": 3, "street_front": 1}
# "两过半+一批" (2024): community and street-front stations in at least half of the street's
# communities ("two past half"), and a batch of three industrial-park stations.
TWO_HALVES_AND_A_BATCH = {"targets": {"industrial_park": 3}, "half_of_communities": ["community", "street_front"]}

# (code, name, weight, basis, [(code, name, kind, function, params, points)])
ModuleSpec = tuple[str, str, int, str, list[tuple[str, str, str, str, dict[str, Any], int]]]

# Drills, training and publicity (their apps' indicators, yingji/core.indicators) where the schemes' modules
# call for them. A street is scored on its own drill rules (drills.own: ≥ 2 comprehensive, ≥ 1 of each key
# field…), not on everything under it (drills.held adds its communities' rules); the yearly rules (drills,
# training days) sit in the year's modules, the monthly and quarterly work (应知应会, publicity events) in the
# quarters'.
FUTIAN: list[ModuleSpec] = [
    ("quarterly", "季度工作", 60, Basis.QUARTERLY_MEAN, [
        ("command", "指挥调度：1-3-5达标", C, "incidents.one_three_five", {}, 20),
        ("command_reports", "指挥调度：信息报送及时", C, "duty.reports_on_time", {}, 10),
        ("prevention", "风险防范：隐患按期整改", C, "hazards.closed_on_time", {}, 20),
        ("publicity", "宣传发动：预警签收", C, "warnings.acknowledged", {}, 10),
        ("publicity_events", "宣传发动：宣传活动（每社区每季度1次）", C, "publicity.events", {"per_community": 1}, 10),
        ("rescue", "救援保障：物资盘点", C, "supplies.stock_counted", {"days": 90}, 10),
        ("rescue_must_know", "救援保障：队伍每月应知应会", C, "training.must_know", {}, 10),
        ("ledgers", "三基台账质量", C, "quality.ledgers", {}, 10),
    ]),
    ("year_end", "年终检查", 40, Basis.PERIOD, [
        ("plans", "预案现行有效", C, "plans.current", {}, 15),
        ("stations", "服务站建设达标（1+3+1）", C, "resources.stations_by_type", {"targets": ONE_THREE_ONE}, 15),
        ("ledgers", "三基台账质量", C, "quality.ledgers", {}, 10),
        ("prevention_drills", "风险防范：演练按规定频次开展", C, "drills.own", {}, 10),
        ("rescue_training", "救援保障：队员培训天数达标", C, "training.days_met", {}, 10),
        ("publicity_quiz", "宣传发动：知识测验参与（每社区5人）", C, "training.quiz_people", {"per_community": 5}, 10),
        ("inspection", "年终现场检查", M, "", {}, 30),
    ]),
]


def pingshan(construction: dict[str, Any]) -> list[ModuleSpec]:
    return [
        ("construction", "站点建设", 40, Basis.PERIOD, [
            ("stations", "服务站按类型建设达标", C, "resources.stations_by_type", construction, 100)]),
        ("command", "指挥调度", 12, Basis.PERIOD, [
            ("one_three_five", "1-3-5达标", C, "incidents.one_three_five", {}, 100)]),
        ("prevention", "隐患治理与演练", 12, Basis.PERIOD, [
            ("hazards", "隐患按期整改", C, "hazards.closed_on_time", {}, 60),
            ("drills", "演练按规定频次开展", C, "drills.own", {}, 40)]),
        ("warning", "预警响应与宣传", 12, Basis.PERIOD, [
            ("acknowledged", "预警签收", C, "warnings.acknowledged", {}, 60),
            ("publicity", "宣传活动（每社区每年4次）", C, "publicity.events", {}, 40)]),
        ("duty", "值班值守", 12, Basis.PERIOD, [
            ("reports", "信息报送及时", C, "duty.reports_on_time", {}, 100)]),
        ("support", "保障能力", 12, Basis.PERIOD, [
            ("plans", "预案现行有效", C, "plans.current", {}, 30),
            ("stock", "物资盘点", C, "supplies.stock_counted", {"days": 90}, 30),
            ("training_days", "队员培训天数达标", C, "training.days_met", {}, 20),
            ("training_coverage", "救援队员轮训覆盖", C, "training.coverage", {}, 20)]),
    ]


PRESETS: list[tuple[str, str, str, list[ModuleSpec], dict[str, Any] | None]] = [
    ("futian", "福田区社区应急工作考核（季度60%+年终40%）",
     "季度工作占60%，年终检查占40%，覆盖指挥、防范、宣传、救援和三基台账质量。", FUTIAN, None),
    ("pingshan-2023", "坪山区应急服务站考核（2023，1+3+1）",
     "站点建设占40%（1+3+1），运营占60%（五个模块），每多建一个站点加0.1分，最多加1分。",
     pingshan({"targets": ONE_THREE_ONE}), {"targets": ONE_THREE_ONE}),
    ("pingshan-2024", "坪山区应急服务站考核（2024，两过半+一批）",
     "站点建设占40%（两过半+一批），运营占60%（五个模块），每多建一个站点加0.1分，最多加1分。",
     pingshan(TWO_HALVES_AND_A_BATCH), TWO_HALVES_AND_A_BATCH),
]


@transaction.atomic
def load_presets(district: Jurisdiction) -> list[Scheme]:
    """Create the preset schemes under `district` (their modules and indicators replaced when they exist)."""
    schemes = []
    for code, name, description, modules, bonus in PRESETS:
        scheme, _created = Scheme.objects.update_or_create(
            code=f"{code}-{district.code}", defaults={"jurisdiction": district, "name": name,
                                                      "description": description,
                                                      "subject_level": SubjectLevel.STREET})
        scheme.modules.all().delete()
        scheme.bonuses.all().delete()
        for order, (m_code, m_name, weight, basis, items) in enumerate(modules):
            module = Module.objects.create(scheme=scheme, code=m_code, name=m_name, weight=Decimal(weight),
                                           basis=basis, order=order)
            IndicatorItem.objects.bulk_create([
                IndicatorItem(module=module, code=i_code, name=i_name, kind=kind, function=function, params=params,
                              points=Decimal(points), order=n)
                for n, (i_code, i_name, kind, function, params, points) in enumerate(items)])
        if bonus is not None:
            BonusRule.objects.create(scheme=scheme, code="extra_stations", name="每多建一个站点加0.1分（最多1分）",
                                     function="resources.stations_by_type", params=bonus,
                                     per_unit=Decimal("0.1"), cap=Decimal("1"))
        schemes.append(scheme)
    return schemes
