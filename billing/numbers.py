"""Document numbers (SO-000001, INV-000001, CN-000001) from PostgreSQL sequences.

A sequence hands out each value once, to concurrent transactions too, without locking a
counter row; a rolled-back transaction leaves a gap (numbers are unique and increasing, not
gapless). The sequences are created by migration ``0003_billing_numbers``.
"""

from django.db import connection

SEQUENCES = {
    "order": ("billing_order_number_seq", "SO"),
    "invoice": ("billing_invoice_number_seq", "INV"),
    "credit_note": ("billing_credit_note_number_seq", "CN"),
}


def next_number(kind: str) -> str:
    sequence, prefix = SEQUENCES[kind]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        (value,) = cursor.fetchone()
    return f"{prefix}-{value:06d}"
