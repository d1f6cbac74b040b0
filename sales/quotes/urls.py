from django.urls import include, path

from . import actions, views

quote_patterns = [
    *views.QuoteViews.urls(),  # quote_list
    path("add/", views.quote_add, name="quote_add"),
    path("from-opportunity/<int:opportunity_pk>/", views.quote_create, name="quote_create"),
    path("products/", views.quote_products, name="quote_products"),
    path("<int:pk>/", views.quote_detail, name="quote_detail"),
    path("<int:pk>/edit/", views.quote_edit, name="quote_edit"),
    path("<int:pk>/lines/", views.quote_line_add, name="quote_line_add"),
    path("<int:pk>/lines/<int:line_pk>/", views.quote_line_edit, name="quote_line_edit"),
    path("<int:pk>/lines/<int:line_pk>/remove/", views.quote_line_remove, name="quote_line_remove"),
    path(
        "<int:pk>/request-approval/",
        actions.quote_request_approval,
        name="quote_request_approval",
    ),
    path("<int:pk>/approve/", actions.quote_approve, name="quote_approve"),
    path("<int:pk>/reject/", actions.quote_reject, name="quote_reject"),
    path("<int:pk>/send/", actions.quote_send, name="quote_send"),
    path("<int:pk>/revise/", actions.quote_revise, name="quote_revise"),
    path("<int:pk>/delete/", actions.quote_delete, name="quote_delete"),
    path("<int:pk>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("<int:pk>/compare/", views.quote_compare, name="quote_compare"),
]

urlpatterns = [path("quotes/", include(quote_patterns))]
