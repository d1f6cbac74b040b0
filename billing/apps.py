from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Orders, invoices and the account ledger"

    def ready(self):
        from . import register

        register.register()
