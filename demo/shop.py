"""A generated shop replayed hour by hour through Saleor's plugin manager, as Saleor calls the plugin's hooks.

Before the replay the shop already has customers and orders (some last bought
half a year ago); the plugin learns them with its own backfill, as when a shop
installs it. Then, each simulated hour: accounts are opened, products viewed
(the public journeyTrack mutation), carts started, changed, abandoned or
bought, orders fulfilled or cancelled; the lapse check runs once a day; the
beat sweep sends what is due; and customers react to what they received: they
come back to a reminded cart, follow a review link and rate the product on the
review page, say why they left a cart, answer the NPS survey, click an unsubscribe link, return after
a win-back message.
"""

import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from . import clock

PRODUCTS = [
    ("Tazza in ceramica", "tazza", "12.90"), ("Caffettiera moka", "moka", "34.00"), ("Tovaglia di lino", "tovaglia", "49.00"),
    ("Olio extravergine 0,5 l", "olio", "14.50"), ("Pasta di Gragnano 1 kg", "pasta", "6.80"), ("Grembiule", "grembiule", "22.00"),
    ("Tagliere in ulivo", "tagliere", "39.00"), ("Set di bicchieri", "bicchieri", "28.00"), ("Candela profumata", "candela", "18.50"),
    ("Quaderno rilegato", "quaderno", "15.00"), ("Borsa di tela", "borsa", "19.90"), ("Caffè in grani 1 kg", "caffe", "24.00"),
]
RATINGS = [5] * 45 + [4] * 25 + [3] * 12 + [2] * 8 + [1] * 10  # how reviews usually spread
REVIEW_TEXTS = ["Arrivato in tempo, ottima qualità.", "Bello, ma la confezione era rovinata.", "Exactly as described.",
                "Non è come nelle foto.", "Perfetto come regalo."]
#: Why customers say they left a cart, roughly as surveys of shoppers find it (shipping costs first).
CART_REASONS = (["shipping_cost"] * 30 + ["price"] * 22 + ["just_looking"] * 20 + ["delivery_time"] * 12
                + ["payment_options"] * 8 + ["other"] * 8)
CART_REASON_TEXTS = ["Aspetto lo stipendio.", "Volevo prima chiedere a mia moglie.", "Il sito mi ha chiesto troppi dati."]
#: How customers answer "would you recommend us?", roughly as a liked small shop sees it.
NPS_SCORES = [10] * 26 + [9] * 20 + [8] * 16 + [7] * 10 + [6] * 7 + [5] * 6 + [4] * 4 + [3] * 4 + [2] * 3 + [1] * 2 + [0] * 2
NPS_COMMENTS = [["La spedizione è arrivata in ritardo.", "Il pacco era danneggiato."],
                ["Buoni prodotti, prezzi un po' alti."], ["Servizio eccellente!", "Lo consiglio a tutti."]]
GRAPHQL = "/plugins/global/saleor.journey/graphql/"
ESP_TRACKING = "/plugins/global/saleor.journey/esp/tracking/"
TRACK = """mutation T($email: String!, $product: ID!) {
  journeyTrack(event: PRODUCT_VIEWED, email: $email, product: $product, channel: "it") { recorded errors { code } } }"""


@dataclass
class Tally:
    """What the replay did, for the closing summary."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] += n


def poisson(rnd: random.Random, mean: float) -> int:
    """Arrivals in an hour with ``mean`` expected (Knuth's method; small means)."""
    limit, count, product = math.exp(-mean), 0, rnd.random()
    while product > limit:
        count += 1
        product *= rnd.random()
    return count


class Shop:
    def __init__(self, manager: Any, client: Any, rnd: random.Random, customers: int, start: datetime,
                 consent_key: str, esp_webhook_auth: str, twilio_auth_token: str) -> None:
        from saleor.channel.models import Channel
        from saleor.checkout.models import Checkout
        from saleor.product.models import Product, ProductVariant, ProductVariantChannelListing
        from saleor.warehouse.models import Stock, Warehouse

        self.manager, self.client, self.rnd, self.start = manager, client, rnd, start
        self.consent_key, self.esp_webhook_auth, self.twilio_auth_token = consent_key, esp_webhook_auth, twilio_auth_token
        self.tally = Tally()
        # Saleor stamps last_change with its own clock; in the demo that clock is the replayed hour.
        Checkout._meta.get_field("last_change").auto_now = False
        self.channel = Channel.objects.get(slug="it")
        self.variants = []
        for name, slug, price in PRODUCTS:
            product = Product.objects.create(name=name, slug=slug)
            variant = ProductVariant.objects.create(product=product, name="Standard", sku=slug.upper())
            variant.price = Decimal(price)
            # Saleor prices a cart from the variant's price in the channel, lazily (when something reads it).
            ProductVariantChannelListing.objects.create(variant=variant, channel=self.channel, currency="EUR",
                                                        price_amount=variant.price)
            self.variants.append(variant)
        warehouse = Warehouse.objects.create(name="Napoli")
        Stock.objects.bulk_create(Stock(warehouse=warehouse, product_variant=v, quantity=10_000) for v in self.variants)
        registered = int(customers * 0.65)
        self.people = [f"cliente{i}@example.com" for i in range(customers)]
        self.future_signups = self.people[registered // 2:registered]  # they open an account during the replay
        self.users: dict[str, Any] = {}
        self.phones: dict[str, str] = {}  # customers who gave a mobile number (and agreed to texts)
        for email in self.people[: registered // 2]:
            self._user(email, start - timedelta(days=rnd.uniform(200, 400)))
        self.open_carts: dict[str, tuple[Any, str, list[tuple[Any, int]]]] = {}
        self.to_fulfil: list[tuple[datetime, Any]] = []
        self.number = 1
        self.seen_email = self.seen_sms = 0
        self.tracked = 0  # emails reported on by the provider

    # Saleor's side ----------------------------------------------------------

    def _user(self, email: str, joined: datetime) -> Any:
        from saleor.account.models import User

        metadata = {}
        if self.rnd.random() < 0.5:  # asked at sign-up: marketing email, and for some texts too
            answers: dict[str, Any] = {"email": True}
            if self.rnd.random() < 0.5:
                answers.update(sms=True, phone=f"+39333{self.rnd.randrange(10**7):07d}")
                self.phones[email] = answers["phone"]
            metadata[self.consent_key] = json.dumps(answers)
        user = User.objects.create(email=email, date_joined=joined, language_code=self.rnd.choice(["it", "it", "en"]),
                                   metadata=metadata)
        self.users[email] = user
        return user

    def consent_known(self) -> None:
        """Tell the plugin the storefront saved its customers' consent answers in their metadata (customer updated)."""
        for user in self.users.values():
            if user.metadata:
                self.manager.customer_updated(user)

    def history(self) -> None:
        """Orders from before the plugin was installed: regulars, and a cohort that is about to lapse."""
        for email, user in list(self.users.items()):
            if self.rnd.random() < 0.6:
                at = self.start - timedelta(days=self.rnd.uniform(150, 200) if self.rnd.random() < 0.4 else self.rnd.uniform(5, 120))
                lines = self._pick()
                self._order(user, email, lines, at, checkout_token=None, paid_status="fulfilled")

    def _pick(self) -> list[tuple[Any, int]]:
        return [(v, self.rnd.randint(1, 2)) for v in self.rnd.sample(self.variants, self.rnd.randint(1, 3))]

    def _order(self, user: Any, email: str, lines: list[tuple[Any, int]], at: datetime, checkout_token: str | None,
               paid_status: str = "unfulfilled") -> Any:
        from saleor.order.models import Order, OrderLine

        order = Order.objects.create(
            number=self.number, user=user, user_email=email, channel=self.channel, currency="EUR", status=paid_status,
            total_gross_amount=sum(v.price * q for v, q in lines), checkout_token=checkout_token or "", created_at=at,
            language_code=getattr(user, "language_code", "it"),
        )
        self.number += 1
        OrderLine.objects.bulk_create(
            OrderLine(order=order, variant=v, product_name=v.product.name, variant_name=v.name, quantity=q,
                      unit_price_gross_amount=v.price)
            for v, q in lines
        )
        return order

    def signup(self, now: datetime) -> None:
        if self.future_signups:
            email = self.future_signups.pop(self.rnd.randrange(len(self.future_signups)))
            self.manager.customer_created(self._user(email, now))
            self.tally.add("accounts opened")

    def visit(self) -> None:
        """Have a visitor look at a product; the storefront tells the plugin (from the visitor's own address)."""
        from saleor_journey.plugins.flow_support import global_id

        i = self.rnd.randrange(len(self.people))
        product = global_id("Product", self.rnd.choice(self.variants).product_id)
        answer = self.client.post(GRAPHQL, {"query": TRACK, "variables": {"email": self.people[i], "product": product}},
                                  content_type="application/json", REMOTE_ADDR=f"10.0.{i // 250}.{i % 250 + 1}")
        if answer.status_code == 200 and answer.json()["data"]["journeyTrack"]["recorded"]:
            self.tally.add("product views")

    def cart(self, email: str, now: datetime) -> Any:
        from saleor.account.models import Address
        from saleor.checkout.models import Checkout, CheckoutLine

        user = self.users.get(email)
        address = Address.objects.create(phone=self.phones[email]) if email in self.phones else None
        checkout = Checkout(user=user, email=email, channel=self.channel, currency="EUR", billing_address=address,
                            language_code=getattr(user, "language_code", "it"), last_change=now)
        checkout.save(force_insert=True)
        lines = self._pick()
        # As in Saleor, the lines' and the checkout's totals stay 0 until something reads the prices.
        CheckoutLine.objects.bulk_create(CheckoutLine(checkout=checkout, variant=v, quantity=q) for v, q in lines)
        self.manager.checkout_created(checkout)
        self.tally.add("carts")
        return checkout, lines

    def buy(self, checkout: Any, email: str, lines: list[tuple[Any, int]], now: datetime) -> None:
        """Checkout completion: the order is created and Saleor deletes the checkout."""
        order = self._order(self.users.get(email), email, lines, now, checkout_token=str(checkout.pk))
        checkout.delete()
        self.manager.order_created(order)
        self.to_fulfil.append((now + timedelta(days=self.rnd.uniform(0.5, 3)), order))
        self.tally.add("orders")

    def change(self, checkout: Any, now: datetime) -> None:
        type(checkout).objects.filter(pk=checkout.pk).update(last_change=now)
        checkout.last_change = now
        self.manager.checkout_updated(checkout)
        self.tally.add("carts changed")

    def fulfil_due(self, now: datetime) -> None:
        for due, order in [item for item in self.to_fulfil if item[0] <= now]:
            self.to_fulfil.remove((due, order))
            if self.rnd.random() < 0.05:
                order.status = "canceled"
                order.save(update_fields=["status"])
                self.manager.order_cancelled(order)
                self.tally.add("orders cancelled")
            else:
                order.status = "fulfilled"
                order.save(update_fields=["status"])
                self.manager.order_fulfilled(order)
                self.tally.add("orders fulfilled")

    # The customers' side ----------------------------------------------------

    def react(self, sinks: Any, now: datetime) -> None:
        """Act out what customers do with the messages that arrived this hour."""
        from saleor_journey.models import ScheduledMessage

        with sinks.email.lock:
            emails = [r.body for r in sinks.email.received[self.seen_email:]]
        with sinks.twilio.lock:
            texts = [r.body for r in sinks.twilio.received[self.seen_sms:]]
        self.seen_email += len(emails)
        self.seen_sms += len(texts)
        self._text_reports(texts)
        ids = [int(b.get("Metadata", {}).get("journey_message_id", 0) or 0) for b in emails]
        messages = ScheduledMessage.objects.in_bulk([i for i in ids if i])
        for body, message_id in zip(emails, ids, strict=True):
            message = messages.get(message_id)
            if message is None:
                continue
            self._track(message, now)
            if message.flow == "abandoned_cart":
                token = message.subject_key.split(":", 1)[1]
                if token in self.open_carts and self.rnd.random() < 0.2:
                    checkout, email, lines = self.open_carts.pop(token)
                    self.buy(checkout, email, lines, now)
                    self.tally.add("carts bought after a reminder")
                elif self.rnd.random() < 0.15:
                    self._cart_reason(body)
            elif message.flow == "review_request" and self.rnd.random() < 0.4:
                self._review(body)
            elif message.flow == "nps_survey" and self.rnd.random() < 0.45:
                self._nps(body)
            elif message.flow == "win_back" and self.rnd.random() < 0.2:
                checkout, lines = self.cart(message.recipient, now)
                self.buy(checkout, message.recipient, lines, now)
                self.tally.add("came back after win-back")
            if message.marketing and self.rnd.random() < 0.02:
                self._unsubscribe(body)

    def _track(self, message: Any, now: datetime) -> None:
        """Report back as the email provider (Postmark's webhooks): delivered, and for some opened and clicked."""
        import base64

        auth = "Basic " + base64.b64encode(self.esp_webhook_auth.encode()).decode()
        stamp = now.isoformat()
        base = {"MessageID": message.provider_message_id, "Recipient": message.recipient,
                "Metadata": {"journey_message_id": str(message.pk)}}
        self.tracked += 1
        # The 40th email and every 80th after it bounces (an unknown mailbox), so every run shows some bounces.
        events = [{"RecordType": "Delivery", "DeliveredAt": stamp}] if self.tracked % 80 != 40 else [
            {"RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1, "BouncedAt": stamp,
             "Email": message.recipient, "ID": self.rnd.randrange(10**9), "Description": "unknown mailbox"}]
        if events[0]["RecordType"] == "Delivery" and self.rnd.random() < 0.45:
            events.append({"RecordType": "Open", "ReceivedAt": stamp})
            if self.rnd.random() < 0.3:
                events.append({"RecordType": "Click", "ReceivedAt": stamp, "OriginalLink": "https://bottega.example/"})
        for event in events:
            answer = self.client.post(ESP_TRACKING, json.dumps({**base, **event}), content_type="application/json",
                                      HTTP_AUTHORIZATION=auth)
            if answer.status_code < 300:
                self.tally.add(f"provider reports: {event['RecordType'].lower()}")

    def _text_reports(self, requests: list[dict[str, Any]]) -> None:
        """Report back as Twilio does: each text's status to the StatusCallback URL it was sent with, signed.

        Most are delivered; the second text and every fifteenth after it finds its handset switched off (30003,
        "undelivered"), so a run with texts always shows both outcomes, whichever customers the clock picked.
        """
        from twilio.request_validator import RequestValidator

        from saleor_journey.models import ScheduledMessage

        validator = RequestValidator(self.twilio_auth_token)
        for number, request in enumerate(requests, start=self.seen_sms - len(requests) + 1):
            message = ScheduledMessage.objects.filter(recipient=request.get("To"), state="sent", channel="sms",
                                                      sent_at__isnull=False).order_by("-sent_at").first()
            callback = request.get("StatusCallback")
            if message is None or not callback or not message.provider_message_id:
                continue
            report = {"MessageSid": message.provider_message_id, "AccountSid": request.get("AccountSid", ""),
                      "To": message.recipient, "MessageStatus": "delivered"}
            if number % 15 == 2:
                report.update(MessageStatus="undelivered", ErrorCode="30003")
            answer = self.client.post(urlsplit(callback).path, urlencode(report),
                                      content_type="application/x-www-form-urlencoded",
                                      HTTP_X_TWILIO_SIGNATURE=validator.compute_signature(callback, report))
            if answer.status_code < 300:
                self.tally.add(f"Twilio reports: {report['MessageStatus']}")

    def _review(self, body: dict[str, Any]) -> None:
        links = re.findall(r'href="([^"]*/review/[^"]+)"', body.get("HtmlBody", ""))
        if not links:
            return
        path = urlsplit(links[0].replace("&amp;", "&")).path
        if self.client.get(path).status_code != 200:
            return
        rating = self.rnd.choice(RATINGS)
        form = urlencode({"rating": str(rating), "title": "Recensione", "text": self.rnd.choice(REVIEW_TEXTS)})
        answer = self.client.post(path, form, content_type="application/x-www-form-urlencoded")  # as a browser posts
        if answer.status_code == 200:
            self.tally.add(f"reviews {rating}★")

    def _cart_reason(self, body: dict[str, Any]) -> None:
        """Say why the cart was left, as a customer does: follow one of the email's links, then press Send."""
        found = re.findall(r'href="[^"]*?(/plugins/[^"?]*/cart-reason/[^"?]+/)\?reason=(\w+)"', body.get("HtmlBody", ""))
        links = {code: path for path, code in found}
        if not links:
            return
        reason = self.rnd.choice(CART_REASONS)
        if self.client.get(links[reason], {"reason": reason}).status_code != 200:
            return
        form = {"reason": reason, "text": self.rnd.choice(CART_REASON_TEXTS) if reason == "other" else ""}
        if self.rnd.random() < 0.1:
            form["stop"] = "1"
        answer = self.client.post(links[reason], urlencode(form), content_type="application/x-www-form-urlencoded")
        if answer.status_code == 200:
            self.tally.add(f"cart reasons: {reason}")

    def _nps(self, body: dict[str, Any]) -> None:
        """Answer the survey: click a number in the email, perhaps write why, press Send."""
        found = re.findall(r'href="[^"]*?(/plugins/[^"?]*/nps/[^"?]+/)\?score=(\d+)"', body.get("HtmlBody", ""))
        links = {int(score): path for path, score in found}
        if not links:
            return
        score = self.rnd.choice(NPS_SCORES)
        if self.client.get(links[score], {"score": score}).status_code != 200:
            return
        comment = self.rnd.choice(NPS_COMMENTS[min(score // 4, 2)]) if self.rnd.random() < 0.5 else ""
        answer = self.client.post(links[score], urlencode({"score": score, "comment": comment}),
                                  content_type="application/x-www-form-urlencoded")
        if answer.status_code == 200:
            self.tally.add("NPS answers")

    def _unsubscribe(self, body: dict[str, Any]) -> None:
        headers = {h["Name"]: h["Value"] for h in body.get("Headers", [])}
        link = headers.get("List-Unsubscribe", "").strip("<>")
        if link:
            answer = self.client.post(urlsplit(link).path, "List-Unsubscribe=One-Click",
                                      content_type="application/x-www-form-urlencoded")
            if answer.status_code < 400:
                self.tally.add("unsubscribed by link")

    # The replay -----------------------------------------------------------------

    def replay(self, days: int, customers: int, sinks: Any, deliver: Any) -> Tally:
        from saleor_journey.tasks import settle_lapsed_journeys

        carts_per_hour = customers * 0.6 / (30 * 24)
        signups_per_hour = len(self.future_signups) / (days * 24)
        for hour in range(days * 24):
            now = self.start + timedelta(hours=hour + 1)
            clock.set_now(now)
            if hour % 24 == 0:
                settle_lapsed_journeys.delay()
            for _ in range(poisson(self.rnd, signups_per_hour)):
                self.signup(now)
            for _ in range(poisson(self.rnd, customers * 0.8 / (30 * 24))):
                self.visit()
            for _ in range(poisson(self.rnd, carts_per_hour)):
                email = self.rnd.choice(self.people)
                checkout, lines = self.cart(email, now)
                if self.rnd.random() < 0.35:
                    self.buy(checkout, email, lines, now)
                else:
                    self.open_carts[str(checkout.pk)] = (checkout, email, lines)
            for checkout, _email, _lines in list(self.open_carts.values()):
                if self.rnd.random() < 0.004:  # back in the cart a day later, changing it
                    self.change(checkout, now)
            self.fulfil_due(now)
            deliver(now)
            self.react(sinks, now)
        return self.tally

