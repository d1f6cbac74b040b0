"""Public pages (no login): the embeddable web-to-lead form."""

from django.urls import path

from .public import lead_form_view, thanks_view

urlpatterns = [
    path("forms/lead/", lead_form_view, name="public_lead_form"),
    path("forms/lead/thanks/", thanks_view, name="public_lead_thanks"),
]
