"""``reviewModerate(id, status)``: staff approve or reject a review (MANAGE_PRODUCTS)."""

from typing import Any

import graphene

from ...core.requestor import Permission
from ...models import ProductReview
from .. import types
from ..errors import InvalidInput
from ..queries import pk_from, require
from .base import JourneyError, error


class ReviewModerate(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True, description="ProductReview ID.")
        status = types.ReviewStatusEnum(required=True)

    review = graphene.Field(types.ProductReview)
    errors = graphene.List(graphene.NonNull(JourneyError), required=True)

    @staticmethod
    def mutate(root: Any, info: Any, id: str, status: str) -> "ReviewModerate":
        require(info, Permission.MANAGE_PRODUCTS)
        try:
            pk = pk_from(id, "ProductReview", "id")
        except InvalidInput as exc:
            return ReviewModerate(review=None, errors=[error("invalid", exc.message, "id")])
        updated = ProductReview.objects.filter(pk=pk).update(status=status)
        if not updated:
            return ReviewModerate(review=None, errors=[error("not_found", f"No review {id}.", "id")])
        return ReviewModerate(review=ProductReview.objects.get(pk=pk), errors=[])
