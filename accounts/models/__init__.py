from .activities import Activity, CalendarFeed
from .customers import Account, AccountContactRelation, Channel, Consent, Contact, ContactPoint
from .timeline import TimelineEntry

__all__ = [
    "Account",
    "AccountContactRelation",
    "Activity",
    "CalendarFeed",
    "Channel",
    "Consent",
    "Contact",
    "ContactPoint",
    "TimelineEntry",
]
