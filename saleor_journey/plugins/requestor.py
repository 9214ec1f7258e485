"""Authenticate a request on the plugin route with Saleor's own mechanisms (SALEOR_NOTES §3.1).

A staff or customer JWT goes through ``load_user_from_request`` (which raises
``jwt.PyJWTError`` for a bad token), a 30-character app token through
``promise_app``. Permissions are asked of Saleor's ``has_perm`` on the user or
app, so groups, superusers and token-scoped permissions work as in Saleor.
"""

from typing import Any

import jwt

from ..graphql.requestor import ANONYMOUS, AuthenticationFailed, Permission, Requestor


def identify(request: Any) -> Requestor:
    """The requestor of ``request``; raise AuthenticationFailed when a token was sent and is not valid."""
    from saleor.core.auth import get_token_from_request
    from saleor.core.auth_backend import load_user_from_request
    from saleor.graphql.app.dataloaders.utils import promise_app

    token = get_token_from_request(request)
    if not token:
        return ANONYMOUS
    if len(token) == 30:  # Saleor's app tokens; JWTs are much longer
        app = promise_app(request).get()
        if app is None:
            raise AuthenticationFailed("Invalid app token.")
        granted = frozenset(p.value for p in Permission if app.has_perm(p.value))
        return Requestor(kind="app", app_id=app.pk, permissions=granted)
    try:
        user = load_user_from_request(request)
    except jwt.PyJWTError as exc:
        raise AuthenticationFailed(str(exc) or "Invalid token.") from exc
    if user is None:
        raise AuthenticationFailed("Not a Saleor token.")
    if not user.is_staff:
        return Requestor(kind="customer", user_id=user.pk, email=user.email)
    granted = frozenset(p.value for p in Permission if user.has_perm(p.value))
    return Requestor(kind="staff", user_id=user.pk, email=user.email, permissions=granted)
