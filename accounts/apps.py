from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from . import figures

        figures.register()
        from . import search  # noqa: F401  (registers its providers with core.search)
