"""What this app contributes to the 360° view: its kinds of timeline entry and its key figures
(each one SQL aggregate). Registered from ``AccountsConfig.ready()``; other apps do the same."""

from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce

from . import timeline
from .models import Activity

CONTACT_KINDS = (Activity.Kind.CALL, Activity.Kind.MEETING, Activity.Kind.EMAIL)


def _aggregate(qs) -> dict:
    return qs.aggregate(
        last=Max(Coalesce("starts_at", "done_at"), filter=Q(done=True, kind__in=CONTACT_KINDS)),
        open=Count("pk", filter=Q(done=False) & ~Q(kind=Activity.Kind.NOTE)),
    )


def _activity_figures(account_ids, user) -> dict:
    """Both activity figures in one aggregate (an index-only scan on activity_account_idx),
    kept on the user object (one per request) for the figure computed next. Activities
    logged on a contact carry the contact's account (``services.activity_save``), so no join
    through contacts is needed (an OR across that join took 500 ms at 2M activities)."""
    key = tuple(account_ids)
    memo = getattr(user, "_activity_figures", None)
    if memo and memo[0] == key:
        return memo[1]
    values = _aggregate(Activity.objects.visible_to(user).filter(account_id__in=account_ids))
    user._activity_figures = (key, values)
    return values


def last_contact(account_ids, user):
    """When we last spoke to them: the latest done call, meeting or e-mail."""
    return _activity_figures(account_ids, user)["last"]


def open_activities(account_ids, user):
    """Tasks, calls and meetings not done yet (notes are never "open")."""
    return _activity_figures(account_ids, user)["open"]


def register():
    """What this app contributes to the 360° view: its kinds of entry and its figures."""
    from .services import CHANGE_KIND

    timeline.register_kind("call", "Calls", icon="telephone")
    timeline.register_kind("meeting", "Meetings", icon="people")
    timeline.register_kind("task", "Tasks", icon="check2-square")
    timeline.register_kind("note", "Notes", icon="sticky")
    timeline.register_kind("email", "E-mails", icon="envelope")
    timeline.register_kind(CHANGE_KIND, "Changes", icon="pencil")
    timeline.register_kind("consent", "Consent", icon="shield-check")
    timeline.register_figure("last_contact", "Last contact", last_contact, format="date")
    timeline.register_figure("open_activities", "Open activities", open_activities)
