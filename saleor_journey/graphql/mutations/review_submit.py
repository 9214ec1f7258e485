"""``reviewSubmit(token, rating, title, text)``: a customer reviews a product from the signed link of a review request.

For storefronts that show their own review form: the token is the last part
of the link in the request email (``…/review/<token>/``). No login needed:
the token names the order and product. Same rules as the review page.
"""

from typing import Any

import graphene

from ...delivery import rendering
from ...delivery.tokens import read_review_token
from ...services import reviews
from .. import types
from .base import JourneyError, error

MESSAGES = {
    "rating": "rating must be a whole number from 1 to 5.",
    "title": f"title can have at most {reviews.TITLE_MAX} characters.",
    "text": f"text can have at most {reviews.TEXT_MAX} characters.",
}


class ReviewSubmit(graphene.Mutation):
    class Arguments:
        token = graphene.String(required=True, description="From the review request's link.")
        rating = graphene.Int(required=True)
        title = graphene.String()
        text = graphene.String()

    review = graphene.Field(types.ProductReview, description="The stored review; it waits for moderation.")
    errors = graphene.List(graphene.NonNull(JourneyError), required=True)

    @staticmethod
    def mutate(root: Any, info: Any, token: str, rating: int, title: str | None = None,
               text: str | None = None) -> "ReviewSubmit":
        context = info.context
        claims = read_review_token(token) if len(token) < 2000 else None
        if claims is None or context.settings is None:
            return ReviewSubmit(review=None, errors=[error("invalid", "The review link is not valid or has expired.", "token")])
        if not reviews.attempt_allowed(token, context.client_ip):
            return ReviewSubmit(review=None, errors=[error("not_allowed", "Too many attempts; try again in an hour.", "token")])
        try:
            review = reviews.clean(rating, title, text)
        except reviews.InvalidReview as exc:
            return ReviewSubmit(review=None, errors=[error("invalid", MESSAGES[f], f) for f in exc.fields])
        settings = context.settings
        language = rendering.languages(claims.get("l"), settings.for_channel(claims.get("c")).language)[0]
        row = reviews.submit(claims, review, language, settings, context.record)
        if row is None:
            return ReviewSubmit(review=None, errors=[error("not_allowed", "This product was already reviewed for this order.", "token")])
        return ReviewSubmit(review=row, errors=[])
