"""The plugin's graphene 2 schema (Saleor pins graphene<3); printed to schema.graphql, which a test keeps in step."""

from pathlib import Path

import graphene

from .mutations.consent_update import ConsentUpdate
from .mutations.flow_resume import JourneyFlowResume
from .mutations.journey_track import JourneyTrack
from .mutations.message_cancel import ScheduledMessageCancel
from .mutations.review_moderate import ReviewModerate
from .mutations.review_submit import ReviewSubmit
from .mutations.stage_set import CustomerStageSet
from .queries import Query

SDL_PATH = Path(__file__).with_name("schema.graphql")


class Mutation(graphene.ObjectType):
    customer_stage_set = CustomerStageSet.Field(
        description="Put a customer in a stage by hand; kept in the history. Needs MANAGE_USERS."
    )
    consent_update = ConsentUpdate.Field(
        description="Marketing consent for a channel: staff (MANAGE_USERS), the signed-in customer, or an unsubscribe link's token."
    )
    journey_track = JourneyTrack.Field(description="A newsletter sign-up or product view from the storefront; public, rate limited.")
    review_submit = ReviewSubmit.Field(description="A customer's review, from the signed link of a review request.")
    review_moderate = ReviewModerate.Field(description="Approve or reject a review. Needs MANAGE_PRODUCTS.")
    journey_flow_resume = JourneyFlowResume.Field(
        description="Let a flow the flood guard paused send again, once you know why it surged. Needs MANAGE_USERS."
    )
    scheduled_message_cancel = ScheduledMessageCancel.Field(
        description="Stop a pending or deferred message. Needs MANAGE_USERS."
    )


schema = graphene.Schema(query=Query, mutation=Mutation)


def sdl() -> str:
    return str(schema) + "\n"
