"""Message delivery: the outbox, the dispatcher, the channels and the inbound callbacks."""
