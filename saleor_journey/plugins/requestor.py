"""Authenticate a request on the plugin route with Saleor's own mechanisms (SALEOR_NOTES §3.1).

A staff or customer JWT goes through ``load_user_from_request`` (which raises
``jwt.PyJWTError`` for a bad token), a 30-character app token through
``promise_app``. Permissions are asked of Saleor's ``has_perm`` on the user or
app, so groups, superusers and token-scoped permissions work as in Saleor.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import jwt

from .. import clock as journey_clock
from ..core.requestor import ANONYMOUS, AuthenticationFailed, Permission, Requestor
from ..models import ReportSession


def identify(request: Any) -> Requestor:
    """Return the requestor of ``request``; raise AuthenticationFailed when a token was sent and is not valid."""
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


def client_ip(request: Any) -> str:
    """Return the caller's address as Saleor computes it.

    Saleor's ``get_client_ip`` takes X-Forwarded-For's first valid address.
    """
    from saleor.core.utils import get_client_ip

    return get_client_ip(request) or ""


def password_sign_in_enabled() -> bool:
    """Saleor's ``SiteSettings.password_login_mode`` lets staff sign in with a password (not SSO-only)."""
    from django.contrib.sites.models import Site
    from saleor.site import PasswordLoginMode
    from saleor.site.models import SiteSettings

    shop = SiteSettings.objects.filter(site_id=Site.objects.get_current().pk).first()
    return shop is None or shop.password_login_mode == PasswordLoginMode.ENABLED


class StaffSessions:
    """Browser sign-in for the staff report: Saleor's staff email and password, then a signed cookie.

    The password goes through Saleor's own ``authenticate_with_throttling``
    (what ``tokenCreate`` uses: a growing delay per client address and per
    account), and only while Saleor's ``password_login_mode`` allows staff to
    sign in with a password. The cookie holds a random session id (its hash
    is a ``ReportSession`` row, which sign-out deletes, so a copy of the
    cookie is worthless afterwards), the user's id, Saleor's
    ``jwt_token_key`` (changed when every token is revoked) and a keyed hash
    of the password hash (changed by any password change or reset, as Django's
    own sessions do), signed with Saleor's SECRET_KEY. Each request loads the
    user again, so a deactivated account, a new password, a removed permission
    or password sign-in switched off takes effect at once.
    """

    cookie = "journey_report"
    max_age = 8 * 3600
    _salt = "saleor_journey.report.session"

    def available(self) -> bool:
        return password_sign_in_enabled()

    def sign_in(self, request: Any, email: str, password: str) -> tuple[str | None, str | None]:
        """Sign in an active staff user with this email and password: (cookie value, None), else (None, why).

        Why is ``disabled`` (password sign-in is off in Saleor), ``throttled`` (Saleor's delay) or ``refused``.
        """
        from django.core import signing
        from django.core.exceptions import ValidationError
        from saleor.account.throttling import authenticate_with_throttling

        if not password_sign_in_enabled():
            return None, "disabled"
        try:
            user = authenticate_with_throttling(request, email, password)
        except ValidationError:  # the address must wait (LOGIN_ATTEMPT_DELAYED) or is unknown
            return None, "throttled"
        if user is None or not (user.is_active and user.is_staff):
            return None, "refused"
        session = secrets.token_urlsafe(24)
        now = journey_clock.now()
        ReportSession.objects.filter(expires_at__lt=now).delete()
        ReportSession.objects.create(key_hash=_session_hash(session), user_id=user.pk, created_at=now,
                                     expires_at=now + timedelta(seconds=self.max_age))
        return signing.dumps({"s": session, "u": user.pk, "k": user.jwt_token_key, "p": self._password_mark(user)},
                             salt=self._salt, compress=False), None

    def sign_out(self, value: str | None) -> None:
        """End the session a cookie value names, on the server: the cookie (or any copy of it) opens nothing more."""
        from django.core import signing

        try:
            claims = signing.loads(value or "", salt=self._salt, max_age=self.max_age)
        except signing.BadSignature:
            return
        if isinstance(claims, dict) and isinstance(claims.get("s"), str):
            ReportSession.objects.filter(key_hash=_session_hash(claims["s"])).delete()

    def _password_mark(self, user: Any) -> str:
        from django.utils.crypto import salted_hmac

        return salted_hmac(self._salt, user.password, algorithm="sha256").hexdigest()

    def requestor(self, value: str | None) -> Requestor:
        """Who a cookie value signs in (anonymous when it is missing, expired, forged or revoked)."""
        from django.core import signing
        from django.utils.crypto import constant_time_compare
        from saleor.account.models import User

        if not value:
            return ANONYMOUS
        try:
            claims = signing.loads(value, salt=self._salt, max_age=self.max_age)
        except signing.BadSignature:
            return ANONYMOUS
        session = claims.get("s") if isinstance(claims, dict) else None
        if not isinstance(session, str) or not ReportSession.objects.filter(
                key_hash=_session_hash(session), user_id=claims.get("u"), expires_at__gt=journey_clock.now()).exists():
            return ANONYMOUS  # signed out (or a cookie from before sessions were kept)
        if not password_sign_in_enabled():
            return ANONYMOUS  # the shop switched password sign-in off (SSO only): password sessions end
        user = User.objects.filter(pk=claims.get("u")).first()
        if user is None or not user.is_active or not user.is_staff or user.jwt_token_key != claims.get("k"):
            return ANONYMOUS
        if not constant_time_compare(self._password_mark(user), str(claims.get("p", ""))):
            return ANONYMOUS  # the password changed since this browser signed in
        granted = frozenset(p.value for p in Permission if user.has_perm(p.value))
        return Requestor(kind="staff", user_id=user.pk, email=user.email, permissions=granted)


def _session_hash(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()
