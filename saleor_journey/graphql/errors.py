"""Errors the API shows to clients: each carries a code, and nothing about data the caller may not see."""

from graphql.error import GraphQLError

from ..core.requestor import Permission


class ApiError(GraphQLError):
    code = "INVALID"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, extensions={"code": self.code, **({"field": field} if field else {})})
        self.field = field


class PermissionDenied(ApiError):
    code = "PERMISSION_DENIED"

    def __init__(self, permission: Permission | None = None) -> None:
        need = f"staff or an app with {permission.name}" if permission else "staff or an app"
        super().__init__(f"You need to be {need} to see or change this.")


class NotFound(ApiError):
    code = "NOT_FOUND"


class InvalidInput(ApiError):
    code = "INVALID"
