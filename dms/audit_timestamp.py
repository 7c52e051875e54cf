"""RFC 3161 time-stamps for audit checkpoints (optional): a time-stamping authority (DMS_AUDIT_TSA_URL) signs the
checkpoint's message, so even the holder of the HMAC key cannot write a checkpoint later and date it back.
Requests and responses are built and checked by `rfc3161-client`; the TSA is trusted through the root
certificate(s) in DMS_AUDIT_TSA_ROOTS (PEM)."""

import base64
import urllib.error
import urllib.request
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

TIMEOUT = 30  # seconds for one TSA request


class TimestampError(Exception):
    """The TSA could not be reached, refused, or answered with a token that does not verify."""


def timestamping_enabled() -> bool:
    return bool(settings.DMS_AUDIT_TSA_URL)


def _roots() -> list[x509.Certificate]:
    path = settings.DMS_AUDIT_TSA_ROOTS
    if not path:
        raise ImproperlyConfigured(
            "DMS_AUDIT_TSA_URL is set but DMS_AUDIT_TSA_ROOTS (the TSA's root certificates, PEM) is not"
        )
    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"DMS_AUDIT_TSA_ROOTS {path}: {exc}") from None


def _verifier(nonce: int | None = None):
    builder = VerifierBuilder(nonce=nonce)
    for root in _roots():
        builder = builder.add_root_certificate(root)
    return builder.build()


def timestamp_request(message: bytes) -> str:
    """Ask the TSA to time-stamp `message`; return the verified response (DER, base64) to keep."""
    request = TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256).build()
    http = urllib.request.Request(
        settings.DMS_AUDIT_TSA_URL,
        data=request.as_bytes(),
        method="POST",
        headers={"Content-Type": "application/timestamp-query"},
    )
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT) as answer:
            der = answer.read(1024 * 1024)
    except (urllib.error.URLError, OSError) as exc:
        raise TimestampError(f"TSA {settings.DMS_AUDIT_TSA_URL}: {exc}") from None
    try:
        response = decode_timestamp_response(der)
        _verifier(request.nonce).verify_message(response, message)
    except (ValueError, VerificationError) as exc:
        raise TimestampError(f"TSA {settings.DMS_AUDIT_TSA_URL}: the answer does not verify: {exc}") from None
    return base64.b64encode(der).decode()


def timestamp_check(token: str, message: bytes) -> str:
    """The TSA's time (ISO) for `message` when `token` verifies against the trusted roots; TimestampError else."""
    try:
        response = decode_timestamp_response(base64.b64decode(token))
        _verifier().verify_message(response, message)
    except (ValueError, VerificationError) as exc:
        raise TimestampError(f"the RFC 3161 time-stamp does not verify: {exc}") from None
    return response.tst_info.gen_time.isoformat()
