"""Calling the plugin's GraphQL endpoint over HTTP as each kind of caller: anonymous, customer, staff, app."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.conftest import activate_plugin

URL = "/plugins/global/saleor.journey/graphql/"


@dataclass
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.body.get("errors", [])]


@pytest.fixture
def api(db: Any) -> Any:
    activate_plugin([])
    client = Client()

    def call(query: str, variables: dict[str, Any] | None = None, token: str | None = None, **body: Any) -> Answer:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        payload = {"query": query, "variables": variables or {}, **body}
        response = client.post(URL, payload, content_type="application/json", **headers)
        return Answer(response.status_code, response.json())

    return call


@pytest.fixture
def token_for(make_user: Any) -> Any:
    from saleor.core.jwt import create_access_token

    def make(*permissions: str, staff: bool = True, email: str | None = None, **fields: Any) -> str:
        user = make_user(email, is_staff=staff, granted_permissions=list(permissions), **fields)
        return create_access_token(user)

    return make


@pytest.fixture
def app_token(db: Any) -> Any:
    from saleor.app.models import App

    def make(*permissions: str, **fields: Any) -> str:
        return App.objects.create(name="BI export", granted_permissions=list(permissions), **fields).create_token()

    return make


MANAGE_USERS = "account.manage_users"
MANAGE_ORDERS = "order.manage_orders"
MANAGE_PRODUCTS = "product.manage_products"
