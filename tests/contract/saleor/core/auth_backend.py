"""Mirror of ``saleor/core/auth_backend.py:125`` ``load_user_from_request``.

Returns None without a Saleor token, the active user for a valid one, and
raises ``jwt.InvalidTokenError`` (a ``jwt.PyJWTError``) for a forged, expired,
revoked (``jwt_token_key`` changed) or unknown-user token, as Saleor does.
Token-scoped ``permissions`` replace the user's, and make the user staff.
For first-party access tokens the site's ``password_login_mode`` applies
(line 161): CUSTOMERS_ONLY strips staff access, DISABLED refuses the token.
"""

from typing import Any

import jwt

from ..account.models import User
from ..permission.enums import AccountPermissions, OrderPermissions, ProductPermissions
from .auth import get_token_from_request
from .jwt import JWT_ACCESS_TYPE, JWT_THIRDPARTY_ACCESS_TYPE, PERMISSIONS_FIELD, is_saleor_token, jwt_decode

PERMISSIONS_BY_NAME = {p.name: p.value for enum in (AccountPermissions, OrderPermissions, ProductPermissions) for p in enum}


def load_user_from_request(request: Any) -> User | None:
    if request is None:
        return None
    token = get_token_from_request(request)
    if not token or not is_saleor_token(token):
        return None
    payload = jwt_decode(token)
    if payload.get("type") not in (JWT_ACCESS_TYPE, JWT_THIRDPARTY_ACCESS_TYPE):
        raise jwt.InvalidTokenError("Invalid token. Create new one by using tokenCreate mutation.")
    user = User.objects.filter(email=payload["email"], is_active=True).first()
    if not payload.get("token"):
        raise jwt.InvalidTokenError("Invalid token. Create new one by using tokenCreate mutation.")
    if user is None:
        raise jwt.InvalidTokenError("Invalid token. User does not exist or is inactive.")
    if user.jwt_token_key != payload["token"]:
        raise jwt.InvalidTokenError("Invalid token. Create new one by using tokenCreate mutation.")
    if payload.get("type") == JWT_ACCESS_TYPE:  # first-party tokens come from a password sign-in (line 161)
        from django.contrib.sites.models import Site

        from ..site import PasswordLoginMode
        from ..site.models import SiteSettings

        # Saleor loads the site's settings once per request (get_site_promise); the Site itself is cached.
        mode = SiteSettings.objects.get(site_id=Site.objects.get_current().pk).password_login_mode
        if mode == PasswordLoginMode.CUSTOMERS_ONLY:
            user.is_staff = False
            user.granted_permissions = []
            return user
        if mode == PasswordLoginMode.DISABLED:
            raise jwt.InvalidTokenError("The authentication method is disabled.")
    permissions = payload.get(PERMISSIONS_FIELD)
    if permissions is not None:  # enum names, e.g. "MANAGE_USERS" (get_permissions_from_names)
        user.granted_permissions = [PERMISSIONS_BY_NAME[name] for name in permissions if name in PERMISSIONS_BY_NAME]
        user.is_staff = bool(user.granted_permissions)
    if payload.get("is_staff"):
        user.is_staff = True
    return user
