"""Who is asking: anonymous, a customer, a staff user or an app, with the Saleor permissions the API checks.

Built by the plugin adapter (plugins/requestor.py) from Saleor's own token
checks; the API and the report only read it, so neither imports Saleor.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Permission(StrEnum):
    """Saleor permissions the API relies on (a plugin cannot define its own)."""

    MANAGE_USERS = "account.manage_users"  # customer data: journeys, messages, consent, stage changes
    MANAGE_ORDERS = "order.manage_orders"  # revenue figures
    MANAGE_PRODUCTS = "product.manage_products"  # review moderation


@dataclass(frozen=True, slots=True)
class Requestor:
    kind: str = "anonymous"  # anonymous | customer | staff | app
    user_id: int | None = None
    app_id: int | None = None
    email: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    def can(self, permission: Permission) -> bool:
        """Staff users and apps with the permission; customers never, whatever their token says."""
        return self.kind in ("staff", "app") and permission.value in self.permissions


ANONYMOUS = Requestor()


class AuthenticationFailed(Exception):
    """A token was sent and Saleor refused it (expired, forged, revoked): HTTP 401."""
