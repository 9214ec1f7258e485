"""Mirror of ``saleor/site/__init__.py``: ``PasswordLoginMode`` (3.23).

ENABLED: anyone signs in with a password; CUSTOMERS_ONLY: a staff user who
signs in with a password is treated as a customer (no staff permissions);
DISABLED: nobody signs in with a password (staff use SSO).
"""


class PasswordLoginMode:
    ENABLED = "enabled"
    CUSTOMERS_ONLY = "customers_only"
    DISABLED = "disabled"

    CHOICES = [(ENABLED, "Enabled"), (CUSTOMERS_ONLY, "Customers only"), (DISABLED, "Disabled")]
