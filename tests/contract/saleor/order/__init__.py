"""Mirror of ``saleor/order/__init__.py``: the status and origin values the plugin reads."""


class OrderStatus:
    DRAFT = "draft"
    UNCONFIRMED = "unconfirmed"
    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially fulfilled"
    PARTIALLY_RETURNED = "partially returned"
    RETURNED = "returned"
    FULFILLED = "fulfilled"
    CANCELED = "canceled"
    EXPIRED = "expired"


class OrderChargeStatus:
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"
    OVERCHARGED = "overcharged"


class OrderOrigin:
    CHECKOUT = "checkout"
    DRAFT = "draft"
    REISSUE = "reissue"
    BULK_CREATE = "bulk_create"
