from django.urls import include, path

from .views import ledger, records

app_name = "billing"
urlpatterns = [
    path("orders/", include(records.OrderViews.urls())),
    path("orders/<int:pk>/invoice/", records.order_invoice, name="order_invoice"),
    path("invoices/", include(records.InvoiceViews.urls())),
    path("credit-notes/<int:pk>/", records.credit_note_detail, name="credit_note_detail"),
    path("accounts/<int:pk>/ledger/", ledger.account_ledger, name="account_ledger"),
    path("accounts/<int:pk>/payments/add/", ledger.payment_add, name="payment_add"),
    path("accounts/<int:pk>/credit-notes/add/", ledger.credit_note_add, name="credit_note_add"),
    path("accounts/<int:pk>/invoices/add/", ledger.invoice_add, name="invoice_add"),
]
