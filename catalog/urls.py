from django.urls import include, path, re_path

from .views import configure, currencies, options, pricebooks
from .views.records import CurrencyViews, PriceBookViews, ProductViews

app_name = "catalog"
urlpatterns = [
    path("products/", include(ProductViews.urls())),
    path("products/<int:pk>/configure/", configure.configure, name="configure"),
    path("products/<int:pk>/options/", options.options_edit, name="product_options"),
    path("products/<int:pk>/rules/", options.rules_edit, name="product_rules"),
    path("options/<int:pk>/values/", options.values_edit, name="option_values"),
    path("price-books/", include(PriceBookViews.urls())),
    path("price-books/<int:pk>/prices/", pricebooks.entries_save, name="pricebook_entries"),
    path("price-books/<int:pk>/prices/add/", pricebooks.entry_add, name="pricebook_entry_add"),
    path("price-books/<int:pk>/prices/fill/", pricebooks.fill, name="pricebook_fill"),
    path("currencies/", include(CurrencyViews.urls())),
    re_path(r"^currencies/(?P<code>[A-Z]{3})/rates/add/$", currencies.rate_add, name="rate_add"),
    path("rates/<int:pk>/edit/", currencies.rate_edit, name="rate_edit"),
    path("rates/<int:pk>/delete/", currencies.rate_delete, name="rate_delete"),
]
