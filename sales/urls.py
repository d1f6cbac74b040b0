from django.urls import include, path

from .views import LeadViews
from .workspace import workspace

app_name = "sales"
urlpatterns = [
    path("workspace/", workspace, name="workspace"),
    path("leads/", include(LeadViews.urls())),
]
