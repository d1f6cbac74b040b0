from django.urls import include, path

from .views import activities
from .views.customers import AccountViews, ContactViews

app_name = "accounts"
urlpatterns = [
    path("accounts/", include(AccountViews.urls())),
    path("contacts/", include(ContactViews.urls())),
    *activities.urlpatterns,
]
