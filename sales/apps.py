from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from .forecast import register as forecast
        from .leads import register as leads
        from .pipeline import register as pipeline
        from .quotes import register as quotes

        for part in (leads, pipeline, quotes, forecast):
            part.register()
        from . import search  # noqa: F401  (registers its providers with core.search)
