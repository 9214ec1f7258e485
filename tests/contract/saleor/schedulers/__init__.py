"""Part of the Saleor contract double (see saleor/__init__.py)."""
