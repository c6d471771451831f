"""Typed readers for configuration from environment variables.

Every setting comes from the environment with a working default; a bad value
fails loudly at start-up instead of half-working at 3 a.m.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(RuntimeError):
    """A required environment variable is missing or malformed."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be one of true/false/1/0/yes/no, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def weak_secret_key(key: str) -> bool:
    """Django's own test of a deployable key (security.W009): long, varied, not a generated insecure one."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


def secret_key(data_dir: Path, *, production: bool) -> str:
    """Return SECRET_KEY from the environment, or a development key kept on disk.

    In production a missing key is refused: a generated one would silently log
    everybody out on every restart and differ between application processes.
    """
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        if production and weak_secret_key(key):
            raise ConfigurationError(
                "SECRET_KEY is too weak for production: at least 50 characters, 5 different ones, "
                "not a Django 'insecure' key (python -c 'import secrets; print(secrets.token_urlsafe(50))')")
        return key
    if production:
        raise ConfigurationError("SECRET_KEY must be set when YINGJI_MODE=production")
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def env_rates(name: str, default: str) -> dict[str, int]:
    """`"sms=600,email=600"` → {"sms": 600, "email": 600} (per-minute limits by channel)."""
    raw = os.environ.get(name, default)
    rates: dict[str, int] = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError
            rates[key.strip()] = int(value)
        except ValueError as exc:
            raise ConfigurationError(f"{name} must look like sms=600,email=600; got {raw!r}") from exc
    return rates


def env_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of networks in CIDR notation ("10.20.0.0/16,127.0.0.1/32"), checked."""
    import ipaddress

    networks = env_list(name, default)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ConfigurationError(f"{name}: {network!r} is not a network such as 10.20.0.0/16") from exc
    return networks


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vapid_public_key(private_key: str) -> str:
    """The public key (base64url, uncompressed P-256 point) of a raw base64url VAPID private key."""
    import base64
    import re

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if not re.fullmatch(r"[A-Za-z0-9_-]{43}=?", private_key):
        raise ValueError("a raw P-256 private key is 32 bytes: 43 base64url characters")
    raw = base64.urlsafe_b64decode(private_key.rstrip("=") + "=")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    return _b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint))


def vapid_keys(data_dir: Path, *, production: bool) -> tuple[str, str]:
    """(private, public) VAPID keys for Web Push, base64url.

    From YINGJI_VAPID_PRIVATE_KEY (raw 32-byte key, base64url; the public key is
    derived from it). Without it, development and the demo keep a generated key
    in the data directory; production has no push channel until the operator
    sets one (`yingji vapid-keys` prints a pair), like SECRET_KEY: every
    process must sign with the same key the phones subscribed with.
    """
    private = os.environ.get("YINGJI_VAPID_PRIVATE_KEY", "").strip()
    if not private and not production:
        key_file = data_dir / "vapid_private_key"
        if key_file.exists():
            private = key_file.read_text().strip()
        else:
            private = new_vapid_private_key()
            data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(private)
            key_file.chmod(0o600)
    if not private:
        return "", ""
    try:
        return private, vapid_public_key(private)
    except ValueError as exc:
        raise ConfigurationError("YINGJI_VAPID_PRIVATE_KEY must be a raw P-256 key in base64url") from exc


def new_vapid_private_key() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    value = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return _b64url(value.to_bytes(32, "big"))
