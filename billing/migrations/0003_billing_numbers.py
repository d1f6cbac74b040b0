from django.db import migrations

SEQUENCES = ["billing_order_number_seq", "billing_invoice_number_seq", "billing_credit_note_number_seq"]


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_initial")]

    operations = [
        migrations.RunSQL(
            [f"CREATE SEQUENCE IF NOT EXISTS {name}" for name in SEQUENCES],
            [f"DROP SEQUENCE IF EXISTS {name}" for name in SEQUENCES],
        )
    ]
