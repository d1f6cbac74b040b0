from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from . import search  # noqa: F401  (registers its providers with core.search)
