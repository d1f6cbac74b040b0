from django.urls import path

from .views import workspace

app_name = "marketing"
urlpatterns = [path("", workspace, name="workspace")]
