"""The Celery task of benchmarks/compare_senders.py: one task per message that renders and sends it.

Each task sends on a new connection (the way Saleor's own email plugin sends) and counts what it sent in Redis.
"""

import os

import redis
from celery import shared_task
from django.core.mail import EmailMultiAlternatives, get_connection

from saleor_journey.delivery import rendering

COUNTER = "journey-bench:celery-sent"


@shared_task(name="benchmarks.send_one")
def send_one(recipient: str, number: int) -> None:
    rendered = rendering.render("notice", "message", {"headline": "Ciao", "body": f"Messaggio {number}",
                                                       "shop_name": "Bottega"}, ["it"], None)
    connection = get_connection("anymail.backends.postmark.EmailBackend", server_token="bench-token",
                                api_url=os.environ["PEER_URL"])
    message = EmailMultiAlternatives(rendered.subject, rendered.text, "shop@example.com", [recipient],
                                     connection=connection)
    message.attach_alternative(rendered.html, "text/html")
    message.send()
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).incr(COUNTER)
