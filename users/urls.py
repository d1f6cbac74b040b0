from django.urls import include, path

from . import views

app_name = "users"
urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/token/", views.regenerate_token, name="regenerate_token"),
    path("admin-ui/users/", include(views.UserViews.urls())),
    path("admin-ui/teams/", include(views.TeamViews.urls())),
]
