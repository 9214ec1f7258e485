"""Consent belongs to the person: stale metadata never undoes a refusal, and opt-outs outlive a key rotation."""

from typing import Any

from saleor_journey.delivery import preferences
from saleor_journey.models import Consent


def consent(address: str = "anna@example.com") -> bool | None:
    row = Consent.objects.filter(channel="email", address=address).first()
    return row.granted if row else None


def test_a_refusal_is_not_undone_by_the_same_metadata_seen_again(manager: Any, make_user: Any) -> None:
    user = make_user("anna@example.com", metadata={"journey.consent": '{"email": true}'})
    manager.customer_updated(user)
    assert consent() is True
    # She clicks unsubscribe in a message.
    preferences.suppress("email", "anna@example.com", reason="unsubscribed", source="link")
    preferences.record_consent("email", "anna@example.com", False, source="unsubscribe link")
    user.first_name = "Anna"  # later she changes her name; Saleor hands the hook her whole account, metadata too
    user.save()
    manager.customer_updated(user)
    assert consent() is False
    assert preferences.is_suppressed("email", "anna@example.com")
    # The storefront records a new answer of hers (the value changed): she subscribed again.
    user.metadata = {"journey.consent": '{"email": true, "at": "2026-11-29T10:00:00Z"}'}
    user.save()
    manager.customer_updated(user)
    assert consent() is True
    assert not preferences.is_suppressed("email", "anna@example.com")


def test_metadata_read_for_the_first_time_does_not_lift_a_refusal_given_another_way(
    manager: Any, make_user: Any
) -> None:
    preferences.set_marketing_consent("email", "bruno@example.com", False, source="api:customer")
    user = make_user("bruno@example.com", metadata={"journey.consent": '{"email": true}'})  # written who knows when
    manager.customer_updated(user)
    assert consent("bruno@example.com") is False
    user.metadata = {"journey.consent": '{"email": false}'}  # a refusal in metadata always counts
    user.save()
    manager.customer_updated(user)
    assert consent("bruno@example.com") is False


def test_opt_outs_survive_a_secret_key_rotation(db: Any, settings: Any) -> None:
    from saleor_journey.delivery import addresses

    preferences.suppress("email", "anna@example.com", reason="bounced", source="postmark")
    addresses._hash_key.cache_clear()  # a new process...
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY  # ...after the shop rotated Django's key
    try:
        assert preferences.is_suppressed("email", "anna@example.com")
    finally:
        addresses._hash_key.cache_clear()


def test_links_signed_before_a_key_rotation_work_with_the_old_key_as_a_fallback(db: Any, settings: Any) -> None:
    from saleor_journey.delivery.tokens import read_unsubscribe_token, unsubscribe_token

    token = unsubscribe_token(42)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    assert read_unsubscribe_token(token) == 42
