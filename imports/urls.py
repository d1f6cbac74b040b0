from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/mapping/", views.job_mapping, name="job_mapping"),
    path("<int:pk>/preview/", views.job_preview, name="job_preview"),
    path("<int:pk>/dry-run/", views.job_dry_run, name="job_dry_run"),
    path("<int:pk>/start/", views.job_start, name="job_start"),
    path("<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("vcard/", views.vcard_import, name="vcard_import"),
    path("contacts/<int:pk>/vcard/", views.vcard_export, name="vcard_export"),
]
