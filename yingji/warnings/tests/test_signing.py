"""Released CAP messages are signed with the configured key; receivers verify them against the certificate."""

from __future__ import annotations

import pytest

from yingji.warnings import cap, services, signing
from yingji.warnings.tests.builders import draft, self_signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def signing_key(settings, tmp_path):  # type: ignore[no-untyped-def]
    key, cert = self_signed(tmp_path)
    settings.YINGJI_CAP_SIGNING_KEY, settings.YINGJI_CAP_SIGNING_CERT = str(key), str(cert)
    return cert


def test_a_released_warning_carries_a_valid_signature(cast, signing_key):
    warning = services.release(draft(cast), actor=cast.commander)
    data = warning.cap_xml.encode()
    assert b"<ds:Signature" in data or b"Signature xmlns" in data
    cap.validate(data)  # the signature sits where the CAP schema allows it
    signed = signing.verify(data, signing_key.read_bytes())
    assert warning.identifier.encode() in signed


def test_a_changed_message_or_another_certificate_fails_verification(cast, signing_key, tmp_path):
    data = services.release(draft(cast), actor=cast.commander).cap_xml.encode()
    tampered = data.replace("远离低洼地带".encode(), "无需防范".encode())
    with pytest.raises(cap.CapError):
        signing.verify(tampered, signing_key.read_bytes())
    other = tmp_path / "other"
    other.mkdir()
    _key, other_cert = self_signed(other, "冒名者")
    with pytest.raises(cap.CapError):
        signing.verify(data, other_cert.read_bytes())


def test_without_configuration_messages_are_not_signed(cast, settings):
    settings.YINGJI_CAP_SIGNING_KEY = settings.YINGJI_CAP_SIGNING_CERT = ""
    data = services.release(draft(cast), actor=cast.commander).cap_xml.encode()
    assert b"Signature" not in data
    with pytest.raises(cap.CapError, match="没有签名"):
        signing.verify(data, b"")
