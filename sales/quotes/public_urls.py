"""Public pages (no login): the customer's signed quote link."""

urlpatterns = []
