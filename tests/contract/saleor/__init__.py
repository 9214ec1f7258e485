"""Contract double of the few parts of Saleor 3.23.28 that saleor-journey touches.

Written for our tests from a reading of Saleor's source (saleor/saleor, tag
3.23.28); no Saleor code is copied. Each module names the Saleor file it
mirrors. Only the attributes and calling conventions the plugin relies on are
reproduced; everything else is deliberately absent, so a test that needs more
of Saleor fails loudly instead of passing against an invented API.
"""

# As in Saleor's own saleor/__init__.py: importing any part of Saleor creates
# the Celery app, so it is the current app when plugin task modules load.
from .celeryconf import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
