"""Claiming due messages and sending them, exactly once where it can be known.

A message moves pending -> sending when a sweep claims it (``FOR UPDATE SKIP
LOCKED``, a claim token and a short lease). Right before the provider call the
row is stamped ``submitting_at``; after the call the outcome is recorded. A
lease that runs out before the stamp puts the message back to pending (safe to
send again); one that runs out after the stamp, with no outcome recorded,
means the provider may have accepted it: the message becomes ``unknown`` and is
counted, never sent again. Each step is guarded by the claim token, so a
worker that lost its lease cannot overwrite what another recorded.
"""

import json
import logging
import threading
import uuid
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import connection, transaction

from .. import clock as journey_clock
from .. import signals
from ..config import JourneySettings
from ..core.identity import redact
from ..exceptions import PermanentSendError, SendError, TransientSendError
from ..models import (
    MessageChannel,
    MessageState,
    RecipientCap,
    ScheduledMessage,
)
from ..models.tables import CONSENTS, DELIVERY_EVENTS, MESSAGES, RECIPIENT_CAPS, SUPPRESSIONS
from ..routes import TWILIO_STATUS, UNSUBSCRIBE, plugin_url
from . import flow_hooks, preferences, rendering, timing
from .addresses import address_hash, normalise_recipient
from .channels.base import Channel, Outgoing, Receipt
from .tokens import unsubscribe_token

logger = logging.getLogger(__name__)

#: How long a claim may go without progress before a sweep takes its messages back.
LEASE = timedelta(seconds=float(getattr(django_settings, "JOURNEY_LEASE_SECONDS", 60)))


@dataclass(slots=True)
class _Ready:
    """A message prepared for its provider: the address it goes to and what it says."""

    message: ScheduledMessage
    address: str
    hashed: str
    outgoing: Outgoing


@dataclass(frozen=True, slots=True)
class _Answer:
    """A provider's acceptance, written with the next statement the claim makes."""

    message: ScheduledMessage
    token: uuid.UUID
    attempts: int
    provider_id: str | None
    sent_at: datetime


@dataclass(slots=True)
class _Preflight:
    """What one claim's recipients are known for as it starts (see ``Dispatcher._preflight``)."""

    suppressions: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (channel, hash) -> reasons
    consent: dict[tuple[str, str], bool] = field(default_factory=dict)  # (channel, address) -> granted
    recent: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)  # (recipient, channel) -> sends
    addresses: dict[int, tuple[str, str]] = field(default_factory=dict)  # message -> (normalised address, its hash)

    def suppressed(self, message: ScheduledMessage, hashed: str) -> bool:
        reasons = self.suppressions.get((message.channel, hashed), set())
        return bool(reasons - {preferences.MARKETING_ONLY}) or (message.marketing and bool(reasons))


@dataclass(frozen=True, slots=True)
class Claim:
    token: uuid.UUID
    ids: list[int]


@dataclass(slots=True)
class DeliveryCounts:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0
    suppressed: int = 0
    cancelled: int = 0
    unknown: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


#: Messages stamped in one commit before any of them is handed to its provider: the in-flight window. A worker
#: that dies mid-group leaves at most this many messages "unknown" (the provider may have some of them; they are
#: never resent). Each stamp costs a round-trip and a commit, so the window buys throughput: 25 sends about 1.3x
#: as many messages per second as 10 (benchmarks/compare_senders.py; README "Sending side by side").
IN_FLIGHT = int(getattr(django_settings, "JOURNEY_IN_FLIGHT", 25))
#: Threads handing a group to its providers. One (the default) sends the group in order on one connection, the
#: fastest against a provider that answers at once; a provider that takes 100 ms an answer is served faster by
#: a few threads, each with its own connection.
SEND_THREADS = int(getattr(django_settings, "JOURNEY_SEND_THREADS", 1))

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()


def _sender_pool() -> ThreadPoolExecutor:
    """Return the worker process's sending threads (HTTP only; no database), made once."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="journey-send")
        return _pool


def _call(channels: Mapping[str, Channel], outgoing: Outgoing, channel_name: str) -> Any:
    channel = channels.get(channel_name)
    try:
        if channel is None:
            raise PermanentSendError(f"channel {channel_name} is not configured")
        return channel.send(outgoing)
    except Exception as exc:  # noqa: BLE001 - settled by the caller, by kind
        return exc


def _call_in_thread(delivery: Any, outgoing: Outgoing, channel_name: str) -> Any:
    """Make a provider call on this thread's own channels (each thread keeps its connection)."""
    from .channels import build_channels

    cached = getattr(_local, "channels", None)
    if cached is None or cached[0] != delivery:
        cached = _local.channels = (delivery, build_channels(delivery))
    return _call(cached[1], outgoing, channel_name)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


class Dispatcher:
    """Sends due messages through the configured channels."""

    def __init__(
        self,
        settings: JourneySettings,
        channels: Mapping[str, Channel],
        clock: Any = journey_clock.now,
        lease: timedelta = LEASE,
    ) -> None:
        self.settings = settings
        self.channels = channels
        self.clock = clock
        self.lease = lease

    # Sweep side ------------------------------------------------------------

    def reclaim_expired(self) -> tuple[int, int]:
        """Rows whose lease ran out: back to pending if never submitted, else unknown. Returns both counts."""
        now = self.clock()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {MESSAGES} SET state = CASE WHEN submitting_at IS NULL THEN 'pending' ELSE 'unknown' END,"
                " reason = CASE WHEN submitting_at IS NULL THEN reason"
                "   ELSE 'worker stopped after the provider was called; not resent' END,"
                " claim_token = CASE WHEN submitting_at IS NULL THEN NULL ELSE claim_token END,"
                " lease_until = NULL, updated_at = %s"
                " WHERE state = 'sending' AND lease_until < %s RETURNING state",
                [now, now],
            )
            states = [row[0] for row in cursor.fetchall()]
        requeued, unknown = states.count("pending"), states.count("unknown")
        if unknown:
            logger.warning("journey: %d message(s) in the unknown window (provider may have sent them)", unknown)
        return requeued, unknown

    def claim(self, limit: int, paused: Collection[str] = ()) -> Claim:
        """Take up to ``limit`` due messages for one sender; concurrent sweeps skip each other's rows.

        Messages of ``paused`` flows (the flood guard's) are left waiting.
        """
        now = self.clock()
        token = uuid.uuid4()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {MESSAGES} SET state = 'sending', claim_token = %s, lease_until = %s, submitting_at = NULL,"
                " updated_at = %s"
                f" WHERE id IN (SELECT id FROM {MESSAGES} WHERE state IN ('pending', 'deferred') AND due_at <= %s"
                "   AND flow <> ALL(%s) ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED)"
                " RETURNING id",
                [token, now + self.lease, now, now, list(paused), limit],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        return Claim(token, ids)

    # Sender side -----------------------------------------------------------

    def deliver(self, claim: Claim) -> DeliveryCounts:
        """Send one claim's messages in groups of up to ``IN_FLIGHT``.

        Each group is stamped in one statement (one commit) that also writes
        the previous group's answers, then handed to the provider message by
        message on the kept connection (or by ``SEND_THREADS`` threads); so a
        group costs one round-trip and one commit, and a worker that dies
        mid-group leaves at most that group "unknown". One person's messages
        never share a group (their sends are counted one by one).
        """
        counts = DeliveryCounts()
        self._answers: list[_Answer] = []
        self._renewed_at = self.clock()  # the claim set the lease just now
        # One read for the whole claim; every later write is conditional on the claim still owning the row.
        messages = ScheduledMessage.objects.filter(pk__in=claim.ids, claim_token=claim.token, state=MessageState.SENDING)
        by_id = {message.pk: message for message in messages}
        self._pre = self._preflight(list(by_id.values()))
        group: list[_Ready] = []
        try:
            for message_id in claim.ids:
                try:
                    ready = self._prepare(by_id.get(message_id), claim.token)
                except Exception:
                    # A bug of ours must not stop the batch; the lease brings the row back.
                    logger.exception("journey: delivering message %s failed unexpectedly", message_id)
                    ready = "skipped"
                if isinstance(ready, str):
                    counts.add(ready)
                    continue
                if any(r.message.channel == ready.message.channel
                       and (r.message.recipient == ready.message.recipient or r.hashed == ready.hashed) for r in group):
                    self._send_group(group, claim.token, counts)  # one person's sends are counted one by one
                    group = []
                group.append(ready)
                if len(group) >= IN_FLIGHT:
                    self._send_group(group, claim.token, counts)
                    group = []
            if group:
                self._send_group(group, claim.token, counts)
        finally:
            self._write_answers()
        return counts

    def _prepare(self, message: ScheduledMessage | None, token: uuid.UUID) -> "_Ready | str":
        """Everything before the provider call; a message that must not go is settled here (its outcome)."""
        if message is None:
            return "skipped"  # reclaimed by a sweep, or already handled
        now = self.clock()
        try:
            address, hashed = self._pre.addresses.get(message.pk) or (
                normalise_recipient(message.channel, message.recipient, self._region(message)), "")
            held = self._hold(message, address, now, hashed)
            if held is not None:
                state, reason, due_at, outcome = held
                return self._finish(message, token, state, reason, outcome, due_at=due_at)
            outgoing = self._compose(message, address)
        except (PermanentSendError, LookupError) as exc:
            reason = exc.reason if isinstance(exc, SendError) else f"cannot render: {exc}"
            return self._finish(message, token, MessageState.FAILED, reason, "failed")
        except Exception as exc:  # noqa: BLE001 - a re-check, template or before_send receiver failed
            # Nothing reached a provider: an attempt, retried, then failed with the real reason.
            logger.exception("journey: message %s could not be prepared", message.pk)
            return self._retry(message, token, f"error before sending: {_describe(exc)}")
        return _Ready(message, address, hashed or address_hash(message.channel, address), outgoing)

    def _send_group(self, group: "list[_Ready]", token: uuid.UUID, counts: DeliveryCounts) -> None:
        stamps = self._stamp(group, token)
        to_send = []
        for ready, stamp in zip(group, stamps, strict=True):
            message = ready.message
            if stamp == "stamped":
                to_send.append(ready)
            elif stamp == "suppressed":
                counts.add(self._finish(message, token, MessageState.SUPPRESSED, "recipient opted out", "suppressed"))
            elif isinstance(stamp, datetime):
                counts.add(self._finish(message, token, MessageState.DEFERRED, "frequency cap", "deferred", due_at=stamp))
            else:
                counts.add("skipped")
        for ready, result in zip(to_send, self._provider_calls(to_send), strict=True):
            counts.add(self._settle(ready, token, result))

    def _provider_calls(self, group: "list[_Ready]") -> list[Any]:
        """Each stamped message handed to its provider, at the same time; a receipt or the exception raised."""
        if len(group) == 1 or SEND_THREADS <= 1:
            return [_call(self.channels, r.outgoing, r.message.channel) for r in group]
        pool = _sender_pool()
        delivery = self.settings.delivery
        futures = [pool.submit(_call_in_thread, delivery, r.outgoing, r.message.channel) for r in group]
        return [future.result() for future in futures]

    def _settle(self, ready: "_Ready", token: uuid.UUID, result: Any) -> str:
        message, address = ready.message, ready.address
        if isinstance(result, Receipt):
            # Written with the next group's submit stamps (or when the claim ends): one commit per group.
            self._answers.append(_Answer(message, token, message.attempts + 1, result.provider_message_id, self.clock()))
            return "sent"
        if isinstance(result, TransientSendError):
            self._release_cap(message, address)
            return self._retry(message, token, result.reason)
        if isinstance(result, PermanentSendError):
            self._release_cap(message, address)
            if result.suppress:
                preferences.suppress(message.channel, address, reason=str(result.code or "refused"),
                                     source=result.provider or "provider")
            return self._finish(message, token, MessageState.FAILED, result.reason, "failed", attempts=message.attempts + 1)
        # The provider call broke in a way we cannot classify: it may have the message; never resent, reported.
        logger.error("journey: sending message %s failed unexpectedly", message.pk, exc_info=result)
        return self._finish(message, token, MessageState.UNKNOWN, f"provider may have received it: {_describe(result)}",
                            "unknown", attempts=message.attempts + 1)

    def _retry(self, message: ScheduledMessage, token: uuid.UUID, reason: str) -> str:
        """One more attempt spent: due again after the backoff, or failed once the attempts are exhausted."""
        attempts = message.attempts + 1
        again = timing.retry_at(self.clock(), attempts)
        if again is None:
            return self._finish(message, token, MessageState.FAILED, f"gave up after {attempts} attempts: {reason}",
                                "failed", attempts=attempts)
        return self._finish(message, token, MessageState.PENDING, reason, "retried", due_at=again, attempts=attempts)

    def _region(self, message: ScheduledMessage) -> str | None:
        """Numbers without a country code are read as the channel's country's."""
        return self.settings.for_channel(message.channel_slug).country

    def _hold(
        self, message: ScheduledMessage, address: str, now: datetime, hashed: str = ""
    ) -> tuple[str, str, datetime | None, str] | None:
        """Why the message must not go now: (state, reason, new due time, outcome), or None to send."""
        delivery = self.settings.delivery
        pre = self._pre
        suppressed = pre.suppressed(message, hashed or address_hash(message.channel, address))
        consent = pre.consent.get((message.channel, address))
        recent = pre.recent.get((message.recipient, message.channel), [])
        if suppressed:
            return MessageState.SUPPRESSED, "recipient opted out or bounced", None, "suppressed"
        if message.marketing:
            allowed, why = preferences.marketing_decision(message.channel, consent, delivery)
            if not allowed:
                return MessageState.SUPPRESSED, why, None, "suppressed"
        skip = flow_hooks.recheck(message)
        if skip:
            return MessageState.CANCELLED, skip, None, "cancelled"
        for receiver, answer in signals.before_send.send(sender=ScheduledMessage, message=message):
            if answer is False:
                name = getattr(receiver, "__qualname__", repr(receiver))
                return MessageState.CANCELLED, f"cancelled by {name}"[:255], None, "cancelled"
        if message.channel in (MessageChannel.SMS, MessageChannel.WHATSAPP) or delivery.quiet_hours_email:
            zone = self.settings.for_channel(message.channel_slug).timezone
            end = timing.quiet_hours_end(now, zone, delivery.quiet_hours)
            if end is not None:
                return MessageState.DEFERRED, "quiet hours", end, "deferred"
        if message.marketing:
            release = timing.frequency_cap_release(now, recent, delivery.frequency_cap_count, delivery.frequency_cap_days)
            if release is not None:
                return MessageState.DEFERRED, "frequency cap", release, "deferred"
        return None

    def _preflight(self, messages: list[ScheduledMessage]) -> "_Preflight":
        """Suppressions, consent answers and recent marketing sends for a claim's recipients, in one round-trip.

        A snapshot taken as the claim starts: the submit stamp checks
        suppression (and the frequency cap) again under the row's lock, so an
        opt-out recorded meanwhile still stops the send.
        """
        since = self.clock() - timedelta(days=self.settings.delivery.frequency_cap_days)
        hashes, addresses, recipients = set(), set(), set()
        pre = _Preflight()
        for message in messages:
            try:
                address = normalise_recipient(message.channel, message.recipient, self._region(message))
            except PermanentSendError:
                continue  # failed with its reason when its turn comes
            hashed = address_hash(message.channel, address)
            pre.addresses[message.pk] = (address, hashed)
            hashes.add((message.channel, hashed))
            if message.marketing:  # consent and the frequency cap concern marketing only
                addresses.add((message.channel, address))
                recipients.add(message.recipient)
        if not messages:
            return pre
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 's', channel, address_hash, reason, NULL::timestamptz FROM {SUPPRESSIONS}"
                "   WHERE (channel, address_hash) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
                f" UNION ALL SELECT 'c', channel, address, granted::text, NULL FROM {CONSENTS}"
                "   WHERE (channel, address) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
                # Sent, or handed to a provider with the answer not yet written (another worker, this claim).
                f" UNION ALL SELECT 'r', channel, recipient, NULL, COALESCE(sent_at, submitting_at) FROM {MESSAGES}"
                "   WHERE recipient = ANY(%s) AND marketing AND ((state = 'sent' AND sent_at > %s)"
                "   OR (state IN ('sending', 'unknown') AND submitting_at > %s))",
                [[c for c, _ in hashes], [h for _, h in hashes], [c for c, _ in addresses], [a for _, a in addresses],
                 list(recipients), since, since],
            )
            for kind, channel, key, value, at in cursor.fetchall():
                if kind == "s":
                    pre.suppressions.setdefault((channel, key), set()).add(value)
                elif kind == "c":
                    pre.consent[(channel, key)] = value == "true"
                else:
                    pre.recent.setdefault((key, channel), []).append(at)
        return pre

    def _compose(self, message: ScheduledMessage, address: str) -> Outgoing:
        delivery = self.settings.delivery
        channel_settings = self.settings.for_channel(message.channel_slug)
        unsubscribe = None
        if message.marketing:
            unsubscribe = plugin_url(delivery.public_base_url, f"{UNSUBSCRIBE}{unsubscribe_token(message.pk)}/")
            if unsubscribe is None:
                raise PermanentSendError("public_base_url is not configured: marketing messages need an unsubscribe link")
        shop_name = self.settings.sender_name(message.channel_slug) or "our shop"
        context = {**message.context, **flow_hooks.extra_context(message), "shop_name": shop_name,
                   "unsubscribe_url": unsubscribe}
        langs = rendering.languages(message.language, channel_settings.language)
        rendered = rendering.render(message.flow, message.step, context, langs, delivery.template_dir,
                                    delivery.message_texts)
        if message.channel == MessageChannel.EMAIL:
            headers = {"X-Journey-Message": str(message.pk)}
            if unsubscribe:
                headers["List-Unsubscribe"] = f"<{unsubscribe}>"
                headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            sender = None
            if channel_settings.sender_email:
                sender = (
                    f"{channel_settings.sender_name} <{channel_settings.sender_email}>"
                    if channel_settings.sender_name else channel_settings.sender_email
                )
            return Outgoing(
                message_id=message.pk, recipient=address, subject=rendered.subject, text=rendered.text,
                html=rendered.html, sender=sender, headers=headers, tags=[message.flow],
            )
        return Outgoing(
            message_id=message.pk, recipient=address, text=rendered.short or rendered.text,
            status_callback=plugin_url(delivery.public_base_url, TWILIO_STATUS),
            content_sid=message.context.get("content_sid"),
            content_variables={str(k): str(v) for k, v in (message.context.get("content_variables") or {}).items()},
        )

    def _stamp(self, group: "list[_Ready]", token: uuid.UUID) -> "list[str | datetime]":
        """Stamp a group's provider calls in one statement, writing the answers held back in the same one.

        Per message: ``"stamped"``; ``"suppressed"`` (an opt-out committed
        before this statement began); ``"skipped"`` (the claim lost the row, or
        its provider call was already stamped: a redelivered or retried task
        never sends twice); or the time a frequency-capped message may go. For
        marketing under a frequency cap the stamp also records the send in the
        recipient's cap row, under that row's lock and only while the cap
        allows (``RecipientCap``): workers sending to one person at the same
        moment cannot exceed it together (a group never holds one address
        twice). Once half the lease is spent, the rest of the claim's lease is
        renewed too. The statement's size does not grow with the group: the
        group travels as arrays.
        """
        now = self.clock()
        delivery = self.settings.delivery
        since = now - timedelta(days=delivery.frequency_cap_days)
        answers, self._answers = self._answers, []
        answer_sql, answer_params, answered_fields = self._answers_update(answers)
        cap = delivery.frequency_cap_count
        # An unsubscribe stops marketing only; anything else on the address stops everything.
        blocked = (f"EXISTS (SELECT 1 FROM {SUPPRESSIONS} WHERE {SUPPRESSIONS}.channel = g.channel AND {SUPPRESSIONS}.address_hash = g.hash"
                   f" AND (g.marketing OR {SUPPRESSIONS}.reason <> '{preferences.MARKETING_ONLY}'))")
        mine = f"{MESSAGES}.id = g.id AND {MESSAGES}.claim_token = %s AND {MESSAGES}.state = 'sending' AND {MESSAGES}.submitting_at IS NULL"
        sql = (
            f"WITH g AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::boolean[])"
            " AS g(id, channel, hash, marketing)),"
            f" answered AS ({answer_sql}),"
            f" allowed AS (INSERT INTO {RECIPIENT_CAPS} (channel, address_hash, sends)"
            f"   SELECT g.channel, g.hash, ARRAY[%s::timestamptz] FROM g JOIN {MESSAGES} ON {mine}"
            f"   WHERE g.marketing AND %s > 0 AND NOT {blocked}"
            "   ON CONFLICT (channel, address_hash) DO UPDATE"
            f"   SET sends = array_append(ARRAY(SELECT t FROM unnest({RECIPIENT_CAPS}.sends) t WHERE t > %s), EXCLUDED.sends[1])"
            f"   WHERE (SELECT count(*) FROM unnest({RECIPIENT_CAPS}.sends) t WHERE t > %s) < %s RETURNING channel, address_hash),"
            f" stamped AS (UPDATE {MESSAGES} SET lease_until = %s, submitting_at = %s FROM g WHERE {mine} AND NOT {blocked}"
            "   AND (NOT g.marketing OR %s = 0"
            "        OR EXISTS (SELECT 1 FROM allowed WHERE allowed.channel = g.channel AND allowed.address_hash = g.hash))"
            f"   RETURNING {MESSAGES}.id)"
            " SELECT 'a', id, false, false, false FROM answered"
            " UNION ALL SELECT 's', g.id, s.id IS NOT NULL,"  # why a message was not stamped, read only then
            f"   CASE WHEN s.id IS NULL THEN {blocked} END,"
            f"   CASE WHEN s.id IS NULL THEN EXISTS (SELECT 1 FROM {MESSAGES} WHERE {mine}) END"
            "   FROM g LEFT JOIN stamped s ON s.id = g.id"
        )
        params = [
            [r.message.pk for r in group], [r.message.channel for r in group], [r.hashed for r in group],
            [r.message.marketing for r in group],
            *answer_params,
            now, token, cap, since, since, cap,
            now + self.lease, now, token, cap,
            token,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            outcome = {row[1]: row[2:] for row in rows if row[0] == "s"}
            if any(stamped for stamped, _, _ in outcome.values()) and now >= self._renewed_at + self.lease / 2:
                cursor.execute(
                    f"UPDATE {MESSAGES} SET lease_until = %s WHERE state = 'sending' AND claim_token = %s"
                    " AND submitting_at IS NULL",
                    [now + self.lease, token],
                )
                self._renewed_at = now
        self._answered(answers, answered_fields, {row[1] for row in rows if row[0] == "a"})
        results: list[str | datetime] = []
        for ready in group:
            stamped, was_blocked, still_mine = outcome[ready.message.pk]
            message = ready.message
            if stamped:
                message.submitting_at = now
                if message.marketing:  # later messages of this claim to the same person see this send
                    self._pre.recent.setdefault((message.recipient, message.channel), []).append(now)
                results.append("stamped")
            elif was_blocked:
                results.append("suppressed")
            elif message.marketing and cap and still_mine:
                # The cap said no (read again: the row may be newer than this statement's snapshot).
                recent = RecipientCap.objects.filter(channel=message.channel, address_hash=ready.hashed).values_list(
                    "sends", flat=True).first() or []
                results.append(timing.frequency_cap_release(now, [t for t in recent if t > since], cap,
                                                            delivery.frequency_cap_days)
                               or now + timedelta(minutes=1))
            else:
                results.append("skipped")
        return results

    def _answers_update(self, answers: "list[_Answer]") -> tuple[str, list[Any], list[dict[str, Any]]]:
        """One UPDATE recording providers' acceptances (each only where its claim still owns the row), RETURNING id."""
        now = self.clock()
        fields = [{"state": MessageState.SENT, "reason": "", "updated_at": now, "lease_until": None, "attempts": a.attempts,
                   "provider_message_id": a.provider_id, "sent_at": a.sent_at} for a in answers]
        sql = (
            f"UPDATE {MESSAGES} SET state = 'sent', reason = '', updated_at = %s, lease_until = NULL, attempts = a.attempts,"
            " provider_message_id = a.provider_id, sent_at = a.sent_at"
            " FROM unnest(%s::bigint[], %s::uuid[], %s::int[], %s::text[], %s::timestamptz[])"
            " AS a(id, token, attempts, provider_id, sent_at)"
            f" WHERE {MESSAGES}.id = a.id AND {MESSAGES}.claim_token = a.token AND {MESSAGES}.state IN ('sending', 'unknown')"
            f" RETURNING {MESSAGES}.id"
        )
        params = [now, [a.message.pk for a in answers], [a.token for a in answers],
                  [a.attempts for a in answers], [a.provider_id for a in answers], [a.sent_at for a in answers]]
        return sql, params, fields

    def _answered(self, answers: "list[_Answer]", fields: list[dict[str, Any]], written: set[int]) -> None:
        for answer, answer_fields in zip(answers, fields, strict=True):
            if answer.message.pk in written:
                self._finished(answer.message, answer_fields, MessageState.SENT, "")

    def _write_answers(self) -> None:
        """Write the providers' answers still held back, in one statement."""
        answers, self._answers = self._answers, []
        if not answers:
            return
        sql, params, fields = self._answers_update(answers)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written = {row[0] for row in cursor.fetchall()}
        self._answered(answers, fields, written)

    def _release_cap(self, message: ScheduledMessage, address: str) -> None:
        """Give a marketing send's cap slot back when the send did not happen (the provider refused or failed)."""
        stamped_at = getattr(message, "submitting_at", None)
        if not message.marketing or stamped_at is None or not self.settings.delivery.frequency_cap_count:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {RECIPIENT_CAPS} SET sends = array_remove(sends, %s) WHERE channel = %s AND address_hash = %s",
                           [stamped_at, message.channel, address_hash(message.channel, address)])

    def _finish(
        self,
        message: ScheduledMessage,
        token: uuid.UUID,
        state: str,
        reason: str,
        outcome: str,
        *,
        due_at: datetime | None = None,
        attempts: int | None = None,
    ) -> str:
        """Record an outcome other than sent, with its delivery event, if this claim still owns the row (one statement)."""
        sql, params, fields = self._outcome_update(message, token, state, reason, due_at=due_at, attempts=attempts)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH outcome AS ({sql} RETURNING id) INSERT INTO {DELIVERY_EVENTS} (message_id, kind, provider, at, detail)"
                " SELECT id, %s, %s, %s, %s::jsonb FROM outcome",
                [*params, state, message.channel, fields["updated_at"],
                 json.dumps({"reason": fields["reason"]} if reason else {})],
            )
            if cursor.rowcount != 1:
                return "skipped"
        self._finished(message, fields, state, reason)
        return outcome

    def _outcome_update(
        self,
        message: ScheduledMessage,
        token: uuid.UUID,
        state: str,
        reason: str,
        *,
        due_at: datetime | None = None,
        attempts: int | None = None,
    ) -> tuple[str, list[Any], dict[str, Any]]:
        """Build the UPDATE that records an outcome other than sent.

        It applies only if this claim still owns the row (or it went unknown).
        """
        now = self.clock()
        # Reasons are shown in the API and may reach logs: no address in them, whatever the provider said.
        fields: dict[str, Any] = {"state": state, "reason": redact(reason)[:255], "updated_at": now, "lease_until": None}
        if attempts is not None:
            fields["attempts"] = attempts
        if due_at is not None:
            fields["due_at"] = due_at
        if state in (MessageState.PENDING, MessageState.DEFERRED):
            fields.update(claim_token=None, submitting_at=None)
        columns = ", ".join(f"{name} = %s" for name in fields)  # the field names are the columns
        sql = f"UPDATE {MESSAGES} SET {columns} WHERE id = %s AND claim_token = %s AND state IN ('sending', 'unknown')"
        return sql, [*fields.values(), message.pk, token], fields

    @staticmethod
    def _finished(message: ScheduledMessage, fields: dict[str, Any], state: str, reason: str) -> None:
        """Set the recorded outcome on the message object, and send the status signal once committed."""
        for name, value in fields.items():
            setattr(message, name, value)
        transaction.on_commit(
            lambda: signals.message_status_changed.send(
                sender=ScheduledMessage, message=message, status=state, detail=reason
            )
        )
