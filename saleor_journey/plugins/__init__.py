"""The Saleor adapter: the only package (with the backfill command) that imports ``saleor``."""
