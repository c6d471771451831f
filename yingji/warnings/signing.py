"""XML signatures on the CAP messages the centre releases (XML-DSig, enveloped, RSA/ECDSA with SHA-256).

Optional: when the operator configures a private key and its certificate
(`YINGJI_CAP_SIGNING_KEY`, `YINGJI_CAP_SIGNING_CERT`, PEM files; docs/warnings.md),
every released message carries a <Signature> as the last child of <alert>,
where the CAP 1.2 schema allows it, so that receivers can check it came from
the centre unchanged. Verification pins the given certificate (or the
configured one): a receiver that trusts a CA checks the chain itself.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from lxml import etree
from signxml import XMLSigner, XMLVerifier
from signxml.exceptions import SignXMLException

from yingji.warnings.cap import CapError, parse_document, validate


def _read(setting: str) -> bytes:
    path = getattr(settings, setting, "")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"{setting}: cannot read {path}: {exc.strerror}") from exc


def configured() -> bool:
    """Whether released messages are signed (both the key and the certificate are configured)."""
    return bool(getattr(settings, "YINGJI_CAP_SIGNING_KEY", "") and getattr(settings, "YINGJI_CAP_SIGNING_CERT", ""))


def certificate_pem() -> bytes:
    return _read("YINGJI_CAP_SIGNING_CERT")


def sign(data: bytes) -> bytes:
    """The CAP message with an enveloped signature by the configured key; still schema-valid."""
    password = getattr(settings, "YINGJI_CAP_SIGNING_KEY_PASSWORD", "") or None
    root = parse_document(data)
    signed = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        root, key=_read("YINGJI_CAP_SIGNING_KEY"), passphrase=password.encode() if password else None,
        cert=certificate_pem().decode())
    out = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    validate(out)
    return out


def verify(data: bytes, certificate: bytes | None = None) -> bytes:
    """Check the message's signature against `certificate` (PEM; default: the configured one).

    Answers the signed content (the alert without its signature) or raises
    CapError saying the signature is missing or does not match.
    """
    root = parse_document(data)
    if root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None:
        raise CapError(_("The message is not signed."))
    cert = (certificate or certificate_pem()).decode()
    try:
        result = XMLVerifier().verify(root, x509_cert=cert)
    except SignXMLException as exc:
        raise CapError(_("The signature does not match the message or the certificate.")) from exc
    return etree.tostring(result.signed_xml)  # type: ignore[union-attr]
