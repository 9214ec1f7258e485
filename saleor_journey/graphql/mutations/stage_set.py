"""``customerStageSet(id, stage, note)``: staff put a customer in a stage by hand (MANAGE_USERS).

Recorded as an event like any other, so it shows in the history with its
note and who made it, survives a replay, and holds until the customer moves
on their own (an order, a promoting review, a loyalty action, a lapse).
"""

import uuid
from typing import Any

import graphene

from ... import clock as journey_clock
from ...core.events import EventKind, JourneyEvent, Subject
from ...core.requestor import Permission
from ...core.rules import JourneyState
from ...core.stages import BUYER_STAGES, Stage
from ...models import Journey
from .. import types
from ..errors import InvalidInput
from ..queries import pk_from, require
from .base import JourneyError, error

NOTE_MAX = 500


class CustomerStageSet(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True, description="CustomerJourney ID.")
        stage = types.JourneyStageEnum(required=True)
        note = graphene.String(description=f"Why (at most {NOTE_MAX} characters); kept with the event.")

    journey = graphene.Field(types.CustomerJourney)
    errors = graphene.List(graphene.NonNull(JourneyError), required=True)

    @staticmethod
    def mutate(root: Any, info: Any, id: str, stage: str, note: str | None = None) -> "CustomerStageSet":
        require(info, Permission.MANAGE_USERS)
        context = info.context
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            return CustomerStageSet(journey=None, errors=[error("invalid", f"note: at most {NOTE_MAX} characters.", "note")])
        try:
            pk = pk_from(id, "CustomerJourney", "id")
        except InvalidInput as exc:
            return CustomerStageSet(journey=None, errors=[error("invalid", exc.message, "id")])
        journey = Journey.objects.filter(pk=pk, merged_into__isnull=True).first()
        if journey is None or context.record is None:
            return CustomerStageSet(journey=None, errors=[error("not_found", f"No customer journey {id}.", "id")])
        state = JourneyState.from_json(journey.state, journey.stage, journey.stage_since)
        if Stage(stage) in BUYER_STAGES and state.active_orders == 0:
            return CustomerStageSet(journey=journey, errors=[error(
                "not_allowed", f"{stage} needs at least one order that was not cancelled or refunded.", "stage")])
        who = context.requestor
        event = JourneyEvent(
            kind=EventKind.STAGE_SET,
            subject=Subject(user_id=journey.user_id, email=journey.email),
            dedupe_key=f"stage_set:{journey.pk}:{uuid.uuid4()}",
            occurred_at=journey_clock.now(),
            payload={"stage": stage, "note": note, "by": f"{who.kind}:{who.app_id or who.user_id}"},
        )
        context.record(event)
        return CustomerStageSet(journey=Journey.objects.get(pk=journey.pk), errors=[])
