from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Products and price books"

    def ready(self):
        from . import search  # noqa: F401  (registers its provider with core.search)
