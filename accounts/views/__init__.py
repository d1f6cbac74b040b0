from .customers import AccountViews, ContactViews

__all__ = ["AccountViews", "ContactViews"]
