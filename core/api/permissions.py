from rest_framework.permissions import SAFE_METHODS, BasePermission

from core import access
from core.access import Action


class HasRole(BasePermission):
    """Every API call needs a logged-in, active user with a role."""

    message = "Your account has no role in the CRM."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role)


class RowLevelAccess(HasRole):
    """The same object-level check as the pages (``core.access``): unreadable -> 404."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method == "POST" and getattr(view, "action", None) == "create":
            return view.queryset.model.access.can_add(request.user)
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            action = Action.VIEW
        elif request.method == "DELETE":
            action = Action.DELETE
        else:
            action = Action.CHANGE
        access.check(request.user, obj, action)
        return True
