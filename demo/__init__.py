"""A self-contained demo shop: Saleor's contract double, the real plugin, local mail/SMS sinks and a web server."""
