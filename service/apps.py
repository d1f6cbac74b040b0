from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "service"

    def ready(self):
        from . import timeline

        timeline.register()  # the "ticket" kind and the "open tickets" figure of the 360° view
        from . import search  # noqa: F401  (registers its providers with core.search)
