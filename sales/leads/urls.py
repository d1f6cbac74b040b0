from django.urls import include, path

from . import rules
from .views import LeadViews

urlpatterns = [
    *rules.urlpatterns,  # before the lead pages: "leads/rules/" is not a lead id
    path("leads/", include(LeadViews.urls())),
]
