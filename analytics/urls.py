from django.urls import path

from .views import dashboard, sales_figures

app_name = "analytics"
urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("sales/", sales_figures, name="sales"),
]
