from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="date_order",
            field=models.CharField(
                blank=True,
                choices=[
                    ("dmy", "day/month/year (31/12/1980)"),
                    ("mdy", "month/day/year (12/31/1980)"),
                ],
                help_text="How the file writes day/month dates; chosen or detected at the mapping step",
                max_length=3,
            ),
        ),
    ]
