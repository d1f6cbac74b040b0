"""Public pages (no login): the customer's signed quote link."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("q/<str:token>/", public_views.public_quote, name="public_quote"),
    path("q/<str:token>/pdf/", public_views.public_quote_pdf, name="public_quote_pdf"),
]
