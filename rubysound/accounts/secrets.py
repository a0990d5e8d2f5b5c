"""Encryption of app-password secrets, and hashing of API keys.

Subsonic token auth sends ``md5(secret + salt)``: checking it needs the secret in clear, so
app passwords cannot be hashed. They are encrypted (Fernet: AES-128-CBC + HMAC-SHA256)
with a key derived from SECRET_KEY through HKDF, so a database dump alone does not reveal
them. Changing SECRET_KEY makes every stored app password unreadable: they then fail to
match and their owners create new ones. API keys are checked by equality only, so only
their SHA-256 is kept.
"""

import base64
import functools
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Distinct from every other use of SECRET_KEY (sessions, signing), so keys never coincide.
_HKDF_INFO = b"rubysound.accounts.app-password-encryption.v1"
# 20 characters of a-z0-9 in groups: easy to type on a phone, 100 bits of entropy.
_TYPABLE_CHARACTERS = "abcdefghijkmnpqrstuvwxyz23456789"
_SECRET_GROUPS, _SECRET_GROUP_LENGTH = 4, 5
API_KEY_BYTES = 32


@functools.cache
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(secret: str) -> bytes:
    return _fernet(settings.SECRET_KEY).encrypt(secret.encode())


def decrypt(token: bytes) -> str | None:
    """The secret in clear, or None when it was encrypted under another SECRET_KEY."""
    try:
        return _fernet(settings.SECRET_KEY).decrypt(bytes(token)).decode()
    except (InvalidToken, ValueError):
        return None


def new_app_password() -> str:
    groups = (
        "".join(secrets.choice(_TYPABLE_CHARACTERS) for _ in range(_SECRET_GROUP_LENGTH))
        for _ in range(_SECRET_GROUPS)
    )
    return "-".join(groups)


def new_api_key() -> str:
    return secrets.token_urlsafe(API_KEY_BYTES)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
