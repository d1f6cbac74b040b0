from django.urls import path

from .views import saved_filters, search

app_name = "core"
urlpatterns = [
    path("search/", search.results_page, name="search"),
    path("search/suggest/", search.suggest, name="search_suggest"),
    path("saved-filters/", saved_filters.save, name="saved_filter_save"),
    path("saved-filters/<int:pk>/", saved_filters.apply, name="saved_filter_apply"),
    path("saved-filters/<int:pk>/delete/", saved_filters.delete, name="saved_filter_delete"),
]
