"""Mirror of ``saleor/core/jwt.py``: Saleor's access tokens, as far as the plugin relies on them.

Saleor signs with RS256 and its RSA key; the double signs with HS256 and
SECRET_KEY. What the plugin sees is the same: ``owner: "saleor"``, ``type``
"access" or "thirdparty", the user's ``email`` and ``token`` (``jwt_token_key``),
an expiry (5 minutes by default), optional ``permissions`` and ``is_staff``.
"""

from datetime import timedelta
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone

JWT_ACCESS_TYPE = "access"
JWT_THIRDPARTY_ACCESS_TYPE = "thirdparty"
PERMISSIONS_FIELD = "permissions"
JWT_SALEOR_OWNER_NAME = "saleor"
JWT_OWNER_FIELD = "owner"
JWT_ACCESS_TTL = timedelta(minutes=5)


def jwt_encode(payload: dict[str, Any]) -> str:
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


def jwt_decode(token: str, verify_aud: bool = False) -> dict[str, Any]:
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], options={"verify_aud": verify_aud})


def create_access_token(user: Any, additional_payload: dict[str, Any] | None = None, ttl: timedelta = JWT_ACCESS_TTL) -> str:
    now = timezone.now()
    payload = {
        "iat": now, "exp": now + ttl, JWT_OWNER_FIELD: JWT_SALEOR_OWNER_NAME, "type": JWT_ACCESS_TYPE,
        "email": user.email, "user_id": str(user.pk), "token": user.jwt_token_key, "is_staff": user.is_staff,
        **(additional_payload or {}),
    }
    return jwt_encode(payload)


def is_saleor_token(token: str) -> bool:
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return payload.get(JWT_OWNER_FIELD) == JWT_SALEOR_OWNER_NAME
