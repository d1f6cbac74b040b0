"""REST API v1: one router, each app contributes its viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import AccountViewSet, ActivityViewSet, ContactViewSet
from sales.api import LeadViewSet
from service.api import TicketViewSet
from users.api import me

router = DefaultRouter()
router.register("accounts", AccountViewSet)
router.register("contacts", ContactViewSet)
router.register("activities", ActivityViewSet)
router.register("leads", LeadViewSet)
router.register("tickets", TicketViewSet)

urlpatterns = [path("me/", me, name="api-me"), *router.urls]
