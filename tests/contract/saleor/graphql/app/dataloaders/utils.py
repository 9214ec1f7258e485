"""Mirror of ``saleor/graphql/app/dataloaders/utils.py``: ``promise_app(request)`` resolves the app of a 30-character token."""

from typing import Any

from promise import Promise

from ....app.models import App, app_by_token
from ....core.auth import get_token_from_request


def promise_app(context: Any) -> "Promise[App | None]":
    auth_token = get_token_from_request(context)
    if not auth_token or len(auth_token) != 30:
        return Promise.resolve(None)
    return Promise.resolve(app_by_token(auth_token))
