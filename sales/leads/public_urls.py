"""Public pages (no login): the embeddable web-to-lead form."""

urlpatterns = []
