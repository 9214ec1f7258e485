"""Mirror of ``saleor/permission/enums.py``: the permission enums the plugin checks (values are Saleor's)."""

from enum import Enum


class BasePermissionEnum(Enum):
    @property
    def codename(self) -> str:
        return self.value.split(".")[1]


class AccountPermissions(BasePermissionEnum):
    MANAGE_USERS = "account.manage_users"
    MANAGE_STAFF = "account.manage_staff"


class OrderPermissions(BasePermissionEnum):
    MANAGE_ORDERS = "order.manage_orders"


class ProductPermissions(BasePermissionEnum):
    MANAGE_PRODUCTS = "product.manage_products"
