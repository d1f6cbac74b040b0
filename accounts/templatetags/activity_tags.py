"""Template helpers for activities, so their partials work when included from any page."""

from django import template
from django.utils import timezone

from ..forms_activities import TODO_KINDS, QuickLogForm
from ..tables_activities import KIND_ICONS

register = template.Library()


@register.simple_tag(takes_context=True)
def quick_log_form(context):
    """The quick-log form: the view's (bound, with errors) or a fresh one for the account or
    contact in the including page's context."""
    form = context.get("quick_form")
    if form is not None:
        return form
    request = context["request"]
    account, contact = context.get("account"), context.get("contact")
    if account is None and contact is not None and contact.account_id:
        account = contact.account
    initial = QuickLogForm.initial_for(
        kind="call", user=request.user, account=account, contact=contact
    )
    return QuickLogForm(initial=initial, user=request.user)


@register.filter
def activity_icon(activity) -> str:
    kind = getattr(activity, "kind", activity)
    return KIND_ICONS.get(kind, "circle")


@register.filter
def is_overdue(activity) -> bool:
    return (
        not activity.done
        and activity.kind in TODO_KINDS
        and activity.starts_at is not None
        and activity.starts_at < timezone.now()
    )
