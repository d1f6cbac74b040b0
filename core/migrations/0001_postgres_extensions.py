from django.contrib.postgres.operations import (
    BtreeGinExtension,
    TrigramExtension,
    UnaccentExtension,
)
from django.db import migrations


class Migration(migrations.Migration):
    """Typo-tolerant search (trigram), accent-insensitive matching and mixed GIN indexes."""

    dependencies = []

    operations = [TrigramExtension(), UnaccentExtension(), BtreeGinExtension()]
