from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from . import notifications  # noqa: F401  (registers the notification e-mail handler)
