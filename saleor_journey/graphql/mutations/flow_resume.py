"""``journeyFlowResume(flow)``: staff confirm a flow the flood guard paused may send again (MANAGE_USERS)."""

from typing import Any

import graphene

from ... import clock as journey_clock
from ...core.flows import FLOWS
from ...core.requestor import Permission
from ...services import flood
from ..queries import require
from .base import JourneyError, error


class JourneyFlowResume(graphene.Mutation):
    class Arguments:
        flow = graphene.String(required=True, description=f"One of {', '.join(FLOWS)}.")

    resumed = graphene.Boolean(required=True, description="Whether the flow was paused and now sends again.")
    errors = graphene.List(graphene.NonNull(JourneyError), required=True)

    @staticmethod
    def mutate(root: Any, info: Any, flow: str) -> "JourneyFlowResume":
        require(info, Permission.MANAGE_USERS)
        if flow not in FLOWS:
            return JourneyFlowResume(resumed=False, errors=[error("invalid", f"No flow {flow[:40]!r}.", "flow")])
        who = info.context.requestor
        lifted = flood.resume(flow, f"{who.kind}:{who.app_id or who.user_id}", journey_clock.now())
        return JourneyFlowResume(resumed=lifted > 0, errors=[])
