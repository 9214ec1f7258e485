"""The plugin's table names, for the statements written in SQL: one name per table, the same everywhere."""

from .answers import CartReason, NpsAnswer
from .delivery import Consent, DeliveryEvent, RecipientCap, ScheduledMessage, Suppression
from .journey import Journey, JourneyEvent, StageTransition
from .reviews import ProductReview

JOURNEYS = Journey._meta.db_table
JOURNEY_EVENTS = JourneyEvent._meta.db_table
STAGE_TRANSITIONS = StageTransition._meta.db_table
MESSAGES = ScheduledMessage._meta.db_table
DELIVERY_EVENTS = DeliveryEvent._meta.db_table
CONSENTS = Consent._meta.db_table
SUPPRESSIONS = Suppression._meta.db_table
RECIPIENT_CAPS = RecipientCap._meta.db_table
REVIEWS = ProductReview._meta.db_table
CART_REASONS = CartReason._meta.db_table
NPS_ANSWERS = NpsAnswer._meta.db_table
