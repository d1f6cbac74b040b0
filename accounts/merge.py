"""Merge two accounts or two contacts: the survivor takes over every related record.

Related records are found generically, so rows of apps this one does not know (tickets,
leads, opportunities, campaign responses…) move too:

* every foreign key pointing at the model (``_meta.get_fields(include_hidden=True)``: also
  the ``related_name="+"`` ones, which ``_meta.related_objects`` leaves out) is re-pointed;
* every generic relation (content type + object id: tags, timeline subjects, activity links)
  is re-pointed;
* a row that would break a unique constraint on the survivor (the same tag, contact point,
  account-contact relation or consent channel on both) is resolved: consents keep the most
  recent decision, other duplicates are dropped as the survivor already holds the same fact.

Historical rows (simple-history) are left as they were: both records keep their history. The
loser is first saved with ``merged_into`` set (its history thus records where it went), then
deleted, so no list, search, export or API of any app has to learn to hide merged records;
``forwarding_pk`` finds the survivor of a deleted id from that history, and the detail pages
redirect there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q

from core import access
from core.access import Action

from . import timeline
from .models import Account, Consent, Contact
from .services import CHANGE_KIND

# Fields the merge fills from the loser when the survivor has no value.
SKIP_FIELDS = {"id", "created_at", "updated_at", "merged_into", "external_id", "erased_at"}


@dataclass
class FieldChoice:
    name: str
    label: str
    keep: object
    other: object
    result: object
    from_other: bool


def is_history_model(model) -> bool:
    return hasattr(model, "instance_type") and hasattr(model, "history_object")


def mergeable_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and f.name not in SKIP_FIELDS and not f.primary_key
    ]


def preview(keep, other) -> list[FieldChoice]:
    """Which value each field ends with: the survivor's, or the other's where it has none."""
    out = []
    for f in mergeable_fields(type(keep)):
        mine, theirs = getattr(keep, f.name), getattr(other, f.name)
        empty = mine in (None, "")
        use_other = empty and theirs not in (None, "")
        show = (lambda v, f=f: dict(f.flatchoices).get(v, v)) if f.choices else (lambda v: v)
        result = theirs if use_other else mine
        out.append(
            FieldChoice(
                f.name, str(f.verbose_name), show(mine), show(theirs), show(result), use_other
            )
        )
    return out


def check_allowed(user, keep, other) -> None:
    """Only someone who may change both records (and delete the one that goes) merges."""
    access.check(user, keep, Action.CHANGE)
    access.check(user, other, Action.CHANGE)
    access.check(user, other, Action.DELETE)


def _reverse_fks(model):
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete):
            continue
        if not (rel.one_to_many or rel.one_to_one):
            continue
        if is_history_model(rel.related_model):
            continue
        yield rel.related_model, rel.field


def _generic_fks():
    for model in apps.get_models():
        if is_history_model(model):
            continue
        for f in model._meta.private_fields:
            if isinstance(f, GenericForeignKey):
                yield model, f


def _unique_sets(model, field_name) -> list[tuple[str, ...]]:
    """Unique field sets of ``model`` that include ``field_name``."""
    sets = [tuple(u) for u in model._meta.unique_together]
    for c in model._meta.constraints:
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None:
            sets.append(tuple(c.fields))
    f = model._meta.get_field(field_name)
    if f.unique:
        sets.append((field_name,))
    return [s for s in sets if field_name in s]


def _resolve_conflicts(model, fk_names, loser_values, winner_values, counts):
    """Drop (or settle) the loser's rows that would duplicate a survivor's row."""
    fk_name = fk_names[0]
    for unique in _unique_sets(model, fk_name):
        others = [n for n in unique if n not in fk_names]
        if not others:
            # at most one row per parent (one-to-one-ish): the survivor's stays
            if model.objects.filter(**winner_values).exists():
                _drop(model, model.objects.filter(**loser_values), counts)
            continue
        attnames = [model._meta.get_field(n).attname for n in others]
        taken = set(model.objects.filter(**winner_values).values_list(*attnames))
        if not taken:
            continue
        for row in model.objects.filter(**loser_values):
            key = tuple(getattr(row, a) for a in attnames)
            if key in taken:
                _settle(model, row, winner_values, dict(zip(attnames, key, strict=True)), counts)


def _settle(model, loser_row, winner_values, key, counts):
    if model is Consent:
        kept = Consent.objects.get(**winner_values, **key)
        if loser_row.recorded_at > kept.recorded_at:  # the most recent decision wins
            for name in ("status", "method", "recorded_at", "note"):
                setattr(kept, name, getattr(loser_row, name))
            kept._change_reason = f"Merged from consent #{loser_row.pk}"
            kept.save()
    _drop(model, model.objects.filter(pk=loser_row.pk), counts)


def _drop(model, qs, counts):
    n = 0
    for row in qs:  # one by one: history and signals see each deletion
        row.delete()
        n += 1
    if n:
        key = f"{model._meta.label} (duplicates dropped)"
        counts[key] = counts.get(key, 0) + n


@transaction.atomic
def merge(*, keep, other, by) -> dict[str, int]:
    """Merge ``other`` into ``keep``; returns {model label: rows moved}."""
    model = type(keep)
    if type(other) is not model or keep.pk == other.pk:
        raise ValueError("Merge two different records of the same kind.")
    # Lock both rows (in id order: two merges of the same pair cannot deadlock).
    locked = {o.pk: o for o in model.objects.select_for_update().filter(pk__in=[keep.pk, other.pk])}
    if len(locked) != 2:
        raise model.DoesNotExist
    keep, other = locked[keep.pk], locked[other.pk]
    counts: dict[str, int] = {}
    fields = preview(keep, other)

    # 1. Foreign keys from any model.
    for rel_model, fk in _reverse_fks(model):
        _resolve_conflicts(rel_model, [fk.name], {fk.attname: other.pk},
                           {fk.attname: keep.pk}, counts)  # fmt: skip
        qs = rel_model._base_manager.filter(**{fk.attname: other.pk})
        if rel_model is model:
            # A self-reference (e.g. the survivor's parent was the loser) must not point the
            # survivor at itself: it takes the loser's place instead.
            replacement = getattr(other, fk.attname)
            replacement = None if replacement == keep.pk else replacement
            if qs.filter(pk=keep.pk).update(**{fk.attname: replacement}):
                setattr(keep, fk.attname, replacement)
        _move(rel_model, qs, fk.attname, keep.pk, by, f"Moved from #{other.pk} by a merge", counts)

    # 2. Generic relations (tags, timeline subjects, activity links…).
    ct = ContentType.objects.get_for_model(model)
    for rel_model, gfk in _generic_fks():
        ct_att = rel_model._meta.get_field(gfk.ct_field).attname
        id_name = gfk.fk_field
        loser_values = {ct_att: ct.pk, id_name: other.pk}
        winner_values = {ct_att: ct.pk, id_name: keep.pk}
        _resolve_conflicts_generic(rel_model, ct_att, id_name, loser_values, winner_values, counts)
        qs = rel_model._base_manager.filter(**loser_values)
        _move(rel_model, qs, id_name, keep.pk, by, f"Moved from #{other.pk} by a merge", counts)

    # 3. Fields: the survivor's values, filled from the loser where it has none.
    for choice in fields:
        if choice.from_other:
            f = model._meta.get_field(choice.name)
            setattr(keep, f.attname, getattr(other, f.attname))
    keep._history_user = by
    keep._change_reason = f"Merged #{other.pk} {other}"[:100]
    keep.save()
    if model is Contact:
        _keep_contact_points(keep, other, counts)

    # 4. The loser: its history records where it went, then it goes.
    other.merged_into = keep
    other._history_user = by
    other._change_reason = f"Merged into #{keep.pk}"
    other.save(update_fields=["merged_into"])
    other._history_user = by
    label, other_pk = str(other), other.pk
    other.delete()

    timeline.record(
        subject=keep,
        kind=CHANGE_KIND,
        title=f"Merged {model._meta.verbose_name} “{label}” (#{other_pk}) into this one",
        summary=", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
        account=keep if model is Account else None,
        contact=keep if model is Contact else None,
        actor=by,
    )
    return counts


def _keep_contact_points(keep, other, counts) -> None:
    """The loser's primary e-mail and phones stay reachable as the survivor's extra points."""
    from .models import ContactPoint

    primary = {keep.email.lower(), keep.phone, keep.mobile} - {""}
    for kind, value, label in (
        (ContactPoint.Kind.EMAIL, other.email, "merged"),
        (ContactPoint.Kind.PHONE, other.phone, "merged"),
        (ContactPoint.Kind.PHONE, other.mobile, "merged mobile"),
    ):
        if value and value.lower() not in primary and value not in primary:
            _, created = ContactPoint.objects.get_or_create(
                contact=keep, kind=kind, value=value, defaults={"label": label}
            )
            if created:
                counts["accounts.ContactPoint (from primary)"] = (
                    counts.get("accounts.ContactPoint (from primary)", 0) + 1
                )


def _move(model, qs, attname, to_pk, by, reason, counts) -> None:
    """Re-point the rows in one UPDATE; a model with history gets one history row per moved
    record (bulk), so its history tells who moved it and why."""
    tracked = hasattr(model._meta, "simple_history_manager_attribute")
    pks = list(qs.values_list("pk", flat=True)) if tracked else None
    n = qs.update(**{attname: to_pk})
    if not n:
        return
    counts[model._meta.label] = counts.get(model._meta.label, 0) + n
    if tracked:
        history = getattr(model, model._meta.simple_history_manager_attribute)
        for start in range(0, len(pks), 2000):
            objs = list(model._base_manager.filter(pk__in=pks[start : start + 2000]))
            history.bulk_history_create(
                objs, update=True, default_user=by, default_change_reason=reason
            )


def _resolve_conflicts_generic(model, ct_att, id_name, loser_values, winner_values, counts):
    for unique in _unique_sets_generic(model, ct_att, id_name):
        others = [n for n in unique if n not in (ct_att, id_name, ct_att.removesuffix("_id"))]
        if not others:
            continue
        attnames = [model._meta.get_field(n).attname for n in others]
        taken = set(model.objects.filter(**winner_values).values_list(*attnames))
        if not taken:
            continue
        dupes = [
            row.pk
            for row in model.objects.filter(**loser_values)
            if tuple(getattr(row, a) for a in attnames) in taken
        ]
        if dupes:
            _drop(model, model.objects.filter(pk__in=dupes), counts)


def _unique_sets_generic(model, ct_att, id_name):
    sets = [tuple(u) for u in model._meta.unique_together]
    for c in model._meta.constraints:
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None:
            sets.append(tuple(c.fields))
    return [s for s in sets if id_name in s]


def forwarding_pk(model, pk) -> int | None:
    """Where a merged (deleted) record went, from its history; follows chains of merges."""
    seen = set()
    while pk not in seen:
        seen.add(pk)
        row = (
            model.history.filter(Q(id=pk), merged_into_id__isnull=False)
            .order_by("-history_date")
            .values_list("merged_into_id", flat=True)
            .first()
        )
        if row is None:
            return None
        if model.objects.filter(pk=row).exists():
            return row
        pk = row
    return None
