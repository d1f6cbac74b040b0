from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0004_pipeline_quotes_scoring"),
    ]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="sent_email_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the worker e-mailed this version to the contact (set once, in "
                "the transaction that records the send: a retried task never e-mails twice)",
                null=True,
            ),
        ),
        migrations.AlterConstraint(
            model_name="quote",
            name="quote_discount_range",
            constraint=models.CheckConstraint(
                condition=models.Q(("discount_percent__gte", 0), ("discount_percent__lte", 100)),
                name="quote_discount_range",
                violation_error_message="A discount must be between 0 and 100 %%.",
            ),
        ),
        # Quote numbers (Q-000001): handed out once each, to concurrent transactions too.
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS sales_quote_number_seq",
            "DROP SEQUENCE IF EXISTS sales_quote_number_seq",
        ),
    ]
