"""Builders for the warnings tests: a composed warning over the cast's community A, keys to sign with."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.utils import timezone

from yingji.core.testing import Cast
from yingji.warnings import services
from yingji.warnings.models import EarlyWarning

# A triangle inside community A (114.00–114.045 E, 22.50–22.54 N), over grid A1.
RING_IN_A = [[114.005, 22.505], [114.03, 22.505], [114.02, 22.525], [114.005, 22.505]]


def draft(cast: Cast, *, actor: Any = None, level: str = "yellow", hazard: str = "rainstorm",
          areas: list[services.AreaInput] | None = None, now: datetime.datetime | None = None,
          **fields: Any) -> EarlyWarning:
    now = now or timezone.now()
    values: dict[str, Any] = {
        "jurisdiction": cast.district, "level": level, "hazard": hazard,
        "headline": "福田区气象台发布暴雨黄色预警信号",
        "description": "预计未来6小时内福田区将出现50毫米以上降雨。",
        "instruction": "远离低洼地带和地下空间，注意防范城市内涝。",
        "onset": now, "expires": now + datetime.timedelta(hours=6),
        "areas": areas if areas is not None else [services.AreaInput(kind="polygon", ring=RING_IN_A, desc="南园片区")],
        "target_groups": ["grid_workers"], "channels": ["in_app", "sms"],
    }
    values.update(fields)
    return services.compose(actor=actor or cast.commander, now=now, **values)


def self_signed(directory: Path, name: str = "福田区应急管理局") -> tuple[Path, Path]:
    """A fresh RSA key and a self-signed certificate for it, as PEM files (key, cert)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = directory / "key.pem", directory / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
