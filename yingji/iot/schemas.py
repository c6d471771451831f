"""Pydantic schemas of the IoT API (the edge; services take plain values)."""

from __future__ import annotations

import datetime

from ninja import Field, Schema


class DeviceIn(Schema):
    code: str = Field(..., max_length=64)
    kind: str
    jurisdiction: str = Field(..., description="Code of the community or grid the device stands in.")
    lon: float
    lat: float
    model: str = ""
    vendor: str = ""
    building: str = ""
    location: str = ""
    owner_unit: str = ""
    install_date: datetime.date | None = None
    heartbeat_s: int = 600
    low_threshold: float | None = None


class DevicePatch(Schema):
    kind: str | None = None
    jurisdiction: str | None = None
    lon: float | None = None
    lat: float | None = None
    model: str | None = None
    vendor: str | None = None
    building: str | None = None
    location: str | None = None
    owner_unit: str | None = None
    install_date: datetime.date | None = None
    heartbeat_s: int | None = None
    low_threshold: float | None = None
    state: str | None = Field(None, description="'disabled' takes it out of service, 'normal' back.")


class DeviceOut(Schema):
    id: int
    code: str
    kind: str
    kind_label: str
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    jurisdiction_name: str = Field(..., alias="jurisdiction.name")
    model: str
    vendor: str
    building: str
    location: str
    lon: float
    lat: float
    owner_unit: str
    install_date: datetime.date | None
    heartbeat_s: int
    low_threshold: float | None
    state: str
    state_label: str
    last_seen: datetime.datetime | None
    last_value: float | None
    rejected: int
    silent_since: datetime.datetime | None

    @staticmethod
    def resolve_kind_label(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_state_label(obj) -> str:  # type: ignore[no-untyped-def]
        return str(obj.get_state_display())


class MessageOut(Schema):
    id: int
    device_code: str
    message_id: str
    transport: str
    topic: str
    received_at: datetime.datetime
    sent_at: datetime.datetime | None
    kind: str
    alarm_type: str
    value: float | None
    accepted: bool
    error_field: str
    error: str


class AlarmOut(Schema):
    id: int
    device: str = Field(..., alias="device.code")
    device_kind: str = Field(..., alias="device.kind")
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    alarm_type: str
    alarm_label: str
    status: str
    first_at: datetime.datetime
    last_at: datetime.datetime
    repeats: int
    value: float | None
    confirm_at: datetime.datetime | None
    incident: int | None = Field(None, alias="incident_id")
    hazard: int | None = Field(None, alias="hazard_id")
    recommended_team: int | None = Field(None, alias="recommended_team_id")

    @staticmethod
    def resolve_alarm_label(obj) -> str:  # type: ignore[no-untyped-def]
        from yingji.iot.rules import label_of

        return str(label_of(obj.device.kind, obj.alarm_type))


class SecretOut(Schema):
    secret: str
