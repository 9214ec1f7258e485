"""The demo's web server: Saleor's plugin routes (contract double) plus an index and the outbox."""

from django.urls import path
from saleor.urls import urlpatterns as saleor_patterns

from . import web

urlpatterns = [
    path("", web.index, name="demo-index"),
    path("outbox/", web.outbox, name="demo-outbox"),
    path("outbox/<int:number>/", web.outbox_message, name="demo-outbox-message"),
    path("outbox/<int:number>/html", web.outbox_html, name="demo-outbox-html"),
    *saleor_patterns,
]
