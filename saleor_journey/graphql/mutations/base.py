"""What every mutation payload has: the ``errors`` list of Saleor's mutations."""

import graphene


class JourneyErrorCode(graphene.Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"


class JourneyError(graphene.ObjectType):
    field = graphene.String(description="The argument at fault; null when it is not about one argument.")
    code = graphene.Field(JourneyErrorCode, required=True)
    message = graphene.String(required=True)


def error(code: str, message: str, field: str | None = None) -> JourneyError:
    return JourneyError(field=field, code=code, message=message)
