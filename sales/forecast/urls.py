from django.urls import path

from ..workspace import workspace_deals
from . import quotas, views

urlpatterns = [
    path("forecast/", views.forecast_view, name="forecast"),
    path("quotas/", quotas.quota_list, name="quota_list"),
    path("quotas/add/", quotas.quota_add, name="quota_add"),
    path("quotas/set/", quotas.quota_set, name="quota_set"),
    path("workspace/deals/", workspace_deals, name="forecast_workspace_deals"),
]
