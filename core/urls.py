from django.urls import path

from .views import notifications, saved_filters, search

app_name = "core"
urlpatterns = [
    path("search/", search.results_page, name="search"),
    path("search/suggest/", search.suggest, name="search_suggest"),
    path("search/pick/<slug:kind>/", search.pick, name="search_pick"),
    path("saved-filters/", saved_filters.save, name="saved_filter_save"),
    path("saved-filters/<int:pk>/", saved_filters.apply, name="saved_filter_apply"),
    path("saved-filters/<int:pk>/delete/", saved_filters.delete, name="saved_filter_delete"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/badge/", notifications.badge, name="notification_badge"),
    path("notifications/read/", notifications.mark_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", notifications.mark_read, name="notification_read"),
]
