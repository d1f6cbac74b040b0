"""REST API v1: one router, each app contributes its viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

import billing.api
import catalog.api
import sales.leads.api
import sales.pipeline.api
import sales.quotes.api
from accounts.api import AccountViewSet, ActivityViewSet, ContactViewSet
from service.api import TicketViewSet
from users.api import me

router = DefaultRouter()
router.register("accounts", AccountViewSet)
router.register("contacts", ContactViewSet)
router.register("activities", ActivityViewSet)
router.register("tickets", TicketViewSet)
for part in (sales.leads.api, sales.pipeline.api, sales.quotes.api, catalog.api, billing.api):
    part.register(router)

urlpatterns = [path("me/", me, name="api-me"), *router.urls]
