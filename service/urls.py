from django.urls import include, path

from .views import TicketViews
from .workspace import workspace

app_name = "service"
urlpatterns = [
    path("workspace/", workspace, name="workspace"),
    path("tickets/", include(TicketViews.urls())),
]
