"""``scheduledMessageCancel(id)``: staff stop a message that has not been sent (MANAGE_USERS)."""

from typing import Any

import graphene

from ... import clock as journey_clock
from ...core.requestor import Permission
from ...models import MessageState, ScheduledMessage
from .. import types
from ..errors import InvalidInput
from ..queries import pk_from, require
from .base import JourneyError, error

#: Only these can still be stopped; a message being sent belongs to the sender.
CANCELLABLE = (MessageState.PENDING, MessageState.DEFERRED)


class ScheduledMessageCancel(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True, description="ScheduledMessage ID.")

    message = graphene.Field(types.ScheduledMessage)
    errors = graphene.List(graphene.NonNull(JourneyError), required=True)

    @staticmethod
    def mutate(root: Any, info: Any, id: str) -> "ScheduledMessageCancel":
        require(info, Permission.MANAGE_USERS)
        try:
            pk = pk_from(id, "ScheduledMessage", "id")
        except InvalidInput as exc:
            return ScheduledMessageCancel(message=None, errors=[error("invalid", exc.message, "id")])
        who = info.context.requestor
        reason = f"cancelled by {'app' if who.kind == 'app' else 'staff'} {who.app_id or who.user_id}"
        updated = ScheduledMessage.objects.filter(pk=pk, state__in=CANCELLABLE).update(
            state=MessageState.CANCELLED, reason=reason, updated_at=journey_clock.now()
        )
        message = ScheduledMessage.objects.filter(pk=pk).first()
        if message is None:
            return ScheduledMessageCancel(message=None, errors=[error("not_found", f"No message {id}.", "id")])
        if not updated:
            return ScheduledMessageCancel(message=message, errors=[
                error("not_allowed", f"The message is {message.state}; only pending or deferred ones can be cancelled.", "id")
            ])
        return ScheduledMessageCancel(message=message, errors=[])
