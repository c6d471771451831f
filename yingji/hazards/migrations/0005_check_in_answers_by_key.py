"""Check-ins keep their checklist answers by the item's stable key, not by the question's text.

The answers were stored as {"item": <the question in the language of the request>}; a change of
language or of a translation broke the match. Every stored answer gets the key of its question (read
in English or in Chinese, as of this migration: the texts are frozen here, not imported); a text no
checklist ever had is kept as its own key, so nothing is lost. Backwards: the Chinese text again.
"""

from django.db import migrations

# (key, English text, Chinese text) of every checklist item when answers moved to keys.
ITEMS = [
    ('no_new_hazard', 'No new hazard seen', '未发现新隐患'),
    ('measures_in_place', 'Control measures in place', '管控措施落实到位'),
    ('evacuation_routes_clear', 'Evacuation routes and exits clear', '疏散通道和安全出口畅通'),
    ('emergency_lighting_works', 'Emergency lighting and signs work', '应急照明和疏散指示完好'),
    ('extinguishers_in_date', 'Extinguishers present and in date', '灭火器配备齐全且在有效期内'),
    ('exits_unlocked', 'Exits unlocked and unobstructed', '安全出口未上锁、未堵塞'),
    ('crowd_plan_posted', 'Crowd control plan posted', '人员疏导方案已张贴'),
    ('alarm_panel_no_fault', 'Fire alarm panel shows no fault', '火灾报警控制器无故障'),
    ('control_room_staffed', 'Fire control room staffed', '消防控制室有人值守'),
    ('sprinkler_pressure_normal', 'Sprinkler and hydrant pressure normal', '喷淋和消火栓压力正常'),
    ('fire_doors_working', 'Fire doors closed and working', '防火门常闭且完好'),
    ('stairwells_clear', 'Stairwells free of clutter and e-bikes', '楼道无杂物、无电动车停放'),
    ('wiring_safe', 'Wiring not exposed or overloaded', '电线无裸露、无超负荷'),
    ('fire_lanes_clear', 'Fire lanes not blocked', '消防车通道未被占用'),
    ('nobody_sleeping_in_shop', 'No one sleeping in the shop', '店内无人员住宿'),
    ('extinguisher_within_reach', 'Extinguisher within reach', '灭火器触手可及'),
    ('no_illegal_gas_bottles', 'No illegal cooking gas bottles', '无违规使用液化气瓶'),
    ('no_new_cracks', 'No new cracks or bulging', '无新增裂缝或鼓胀'),
    ('ditches_clear', 'Drainage ditches clear', '排水沟通畅'),
    ('warning_signs', 'Warning signs in place', '警示标志设置到位'),
    ('drains_clear', 'Drains and gratings clear', '排水口和雨水箅子通畅'),
    ('pumps_sandbags_ready', 'Pumps and sandbags ready', '水泵和沙袋准备就绪'),
    ('site_enclosed', 'Site enclosed', '工地围挡到位'),
    ('helmets_harnesses', 'Workers wear helmets and harnesses', '作业人员佩戴安全帽和安全带'),
    ('no_hot_work_without_permit', 'No hot work without permit', '无未经审批的动火作业'),
    ('within_licensed_quantity', 'Storage within licensed quantity', '储存量未超许可数量'),
    ('leak_detection_working', 'Leak detection and ventilation working', '泄漏报警和通风设施正常'),
    ('licences_displayed', 'Licences displayed', '证照公示齐全'),
    ('no_gas_smell', 'No smell of gas', '无燃气异味'),
    ('nothing_over_the_line', 'No digging or building over the line', '管线上方无开挖、无违建'),
    ('markers_visible', 'Markers and valves visible', '标志桩和阀门清晰可见'),
    ('timed_cut_off', 'Chargers with timed cut-off', '充电设施具备定时断电功能'),
    ('no_indoor_charging', 'No charging indoors or in stairwells', '无入户、楼道内充电'),
    ('extinguisher_at_chargers', 'Extinguisher at the charging place', '充电场所配有灭火器'),
    ('no_structural_cracks', 'No new cracks in walls or beams', '墙体和梁柱无新增裂缝'),
    ('no_added_floors', 'No unapproved added floors', '无擅自加建楼层'),
    ('upper_floor_escape', 'Escape route from upper floors', '楼上有逃生通道'),
    ('nobody_living_in_workshops', 'No people living in workshops', '厂房内无人员住宿'),
    ('hazmat_apart', 'Hazardous materials stored apart', '危险物品分类分区存放'),
    ('fire_lanes_clear', 'Fire lanes clear', '消防通道畅通'),
]


def _by_text():
    found = {}
    for key, english, chinese in ITEMS:
        found[english] = found[chinese] = key
    return found


def _convert(apps, schema_editor, convert):
    CheckIn = apps.get_model("hazards", "CheckIn")
    db = schema_editor.connection.alias
    batch = []
    for row in CheckIn.objects.using(db).only("pk", "answers").order_by("pk").iterator(chunk_size=2000):
        answers = [convert(a) if isinstance(a, dict) else a for a in (row.answers or [])]
        if answers != row.answers:
            row.answers = answers
            batch.append(row)
        if len(batch) >= 2000:
            CheckIn.objects.using(db).bulk_update(batch, ["answers"])
            batch = []
    if batch:
        CheckIn.objects.using(db).bulk_update(batch, ["answers"])


def to_keys(apps, schema_editor):
    by_text = _by_text()

    def convert(answer):
        if "key" in answer or "item" not in answer:
            return answer
        answer = dict(answer)
        text = str(answer.pop("item"))
        return {"key": by_text.get(text.strip(), text), **answer}

    _convert(apps, schema_editor, convert)


def to_texts(apps, schema_editor):
    chinese = {key: text for key, _english, text in reversed(ITEMS)}

    def convert(answer):
        if "key" not in answer:
            return answer
        answer = dict(answer)
        key = answer.pop("key")
        return {"item": chinese.get(key, key), **answer}

    _convert(apps, schema_editor, convert)


class Migration(migrations.Migration):
    dependencies = [("hazards", "0004_grading_history_of_existing_points")]
    operations = [migrations.RunPython(to_keys, to_texts, elidable=False)]
