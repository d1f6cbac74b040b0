"""Hooks this part of sales adds to the rest of the product (timeline kinds, key figures,
account panels, search providers). Called once from ``SalesConfig.ready()``."""


def register():
    from . import search, tasks, timeline  # noqa: F401  (tasks: the beat's Celery task)

    timeline.register()
    search.register()
