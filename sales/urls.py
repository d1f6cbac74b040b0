from django.urls import path

from .forecast import urls as forecast
from .leads import urls as leads
from .pipeline import urls as pipeline
from .quotes import urls as quotes
from .workspace import workspace

app_name = "sales"
urlpatterns = [
    path("workspace/", workspace, name="workspace"),
    *leads.urlpatterns,
    *pipeline.urlpatterns,
    *quotes.urlpatterns,
    *forecast.urlpatterns,
]
