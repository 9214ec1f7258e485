"""The plugin's public signals, for shop code that wants to react or intervene.

- ``stage_changed(sender, journey_id, user_id, email, from_stage, to_stage, cause, at)``:
  sent after a stage change is committed.
- ``before_send(sender, message)``: sent right before a message goes to its
  provider; a receiver returning ``False`` cancels it (recorded with the reason
  "cancelled by <receiver>").
- ``message_status_changed(sender, message, status, detail)``: sent after a
  message's state changes (sent, failed, suppressed, delivered, bounced, ...).
"""

from django.dispatch import Signal

stage_changed = Signal()
before_send = Signal()
message_status_changed = Signal()
