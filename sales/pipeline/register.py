"""Hooks this part of sales adds to the rest of the product (timeline kinds, key figures,
account panels, search providers). Called once from ``SalesConfig.ready()``."""

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_save
from django.utils import timezone


def _activity_saved(sender, instance, created, raw=False, **kwargs):
    """An activity logged on a deal (``Activity.related``) keeps ``last_activity_at`` — what
    the stale flag reads — current, in the activity's transaction.

    A receiver rather than an outbox handler: the flag must be right the moment the rep
    looks at the board again, and it is one UPDATE by primary key. Rather than a subquery
    over activities at read time: the board and the list filter on it over thousands of
    deals, and ``last_activity_at`` is one column of the row they read anyway. The time
    counted is when the activity happened (a call logged afterwards counts when it took
    place); a planned one counts as now, never as a future date."""
    if raw or not instance.related_type_id or not instance.related_id:
        return
    from django.contrib.contenttypes.models import ContentType

    from ..models import Opportunity

    if instance.related_type_id != ContentType.objects.get_for_model(Opportunity).pk:
        return
    now = timezone.now()
    when = min(instance.done_at or instance.starts_at or instance.created_at or now, now)
    Opportunity.objects.filter(pk=instance.related_id).update(
        last_activity_at=Greatest(Coalesce(F("last_activity_at"), Value(when)), Value(when))
    )


def register():
    from accounts import panels, timeline
    from accounts.models import Activity
    from core import search as core_search

    from . import search
    from . import timeline as pipeline_timeline

    timeline.register_kind(pipeline_timeline.KIND, "Opportunities", icon="briefcase")
    timeline.register_figure(
        "open_pipeline", "Open pipeline", pipeline_timeline.open_pipeline, format="money"
    )
    timeline.register_figure(
        "won_revenue", "Won revenue", pipeline_timeline.won_revenue, format="money"
    )
    panels.register(
        "opportunities",
        "sales/pipeline/_account_panel.html",
        context=pipeline_timeline.account_panel,
        order=10,
    )
    core_search.register(search.OpportunitySearch())
    post_save.connect(_activity_saved, sender=Activity, dispatch_uid="sales_pipeline_activity")
