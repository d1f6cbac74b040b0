"""Change history of a record as people read it: who, when, which fields, old -> new.

simple-history keeps one row per saved state; a change is the difference between one row and
the row before it (``diff_against``). A page of changes reads one row more than it shows, and
names of related records (owner, team, account…) are fetched once per related model."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models

PER_PAGE = 20
HIDDEN_FIELDS = {"id", "created_at", "updated_at"}


@dataclass
class Change:
    field: str
    label: str
    old: object
    new: object


@dataclass
class Revision:
    when: object
    who: object
    kind: str  # "created" | "changed" | "deleted"
    reason: str
    changes: list[Change] = field(default_factory=list)


def _display(model, name, value, names):
    if value is None or value == "":
        return ""
    f = model._meta.get_field(name)
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value}")
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    return value


def revisions(obj, page: int = 1) -> tuple[list[Revision], bool]:
    """One page of the record's changes, newest first, and whether there are older ones."""
    model = type(obj)
    start = (page - 1) * PER_PAGE
    rows = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            start : start + PER_PAGE + 1
        ]
    )
    has_more = len(rows) > PER_PAGE
    shown = rows[:PER_PAGE]
    diffs = []
    for i, row in enumerate(shown):
        older = rows[i + 1] if i + 1 < len(rows) else None
        if row.history_type == "+" or older is None:
            diffs.append((row, []))
        else:
            delta = row.diff_against(older)
            diffs.append((row, [c for c in delta.changes if c.field not in HIDDEN_FIELDS]))

    # Related names, one query per related model.
    wanted = defaultdict(set)
    for _, changes in diffs:
        for c in changes:
            f = model._meta.get_field(c.field)
            if f.is_relation:
                for v in (c.old, c.new):
                    if v:
                        wanted[f.related_model].add(v)
    names = {}
    for rel_model, pks in wanted.items():
        manager = rel_model._base_manager
        for o in manager.filter(pk__in=pks):
            names[(rel_model, o.pk)] = str(o)

    result = []
    for row, changes in diffs:
        kind = {"+": "created", "-": "deleted"}.get(row.history_type, "changed")
        rev = Revision(row.history_date, row.history_user, kind, row.history_change_reason or "")
        for c in changes:
            f = model._meta.get_field(c.field)
            rev.changes.append(
                Change(
                    c.field,
                    str(f.verbose_name),
                    _display(model, c.field, c.old, names),
                    _display(model, c.field, c.new, names),
                )
            )
        if kind == "changed" and not rev.changes:
            continue  # a save that changed nothing we show
        result.append(rev)
    return result, has_more


def scrub(history_qs: models.QuerySet, values: dict) -> int:
    """Overwrite personal values in history rows (erasure); returns the rows touched."""
    return history_qs.update(**values)
