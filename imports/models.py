"""Import jobs (CSV / Excel upload → mapping → dry run → import in the worker) and the column
mappings each user has used before, remembered per header signature."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.access import ALL_ROWS, NO_ROWS, Policy, RecordQuerySet, active_role
from users.roles import Role


class Kind(models.TextChoices):
    CONTACT = "contact", "Contacts"
    ACCOUNT = "account", "Accounts"


class DateOrder(models.TextChoices):
    DMY = "dmy", _("day/month/year (31/12/1980)")
    MDY = "mdy", _("month/day/year (12/31/1980)")


class ImportJobPolicy(Policy):
    """A job (its file holds personal data) is its owner's business, and administrators'."""

    owner_field = "user"

    def read_condition(self, user):
        role = active_role(user)
        if role == Role.ADMIN:
            return ALL_ROWS
        return Q(user=user) if role else NO_ROWS

    def editable(self, user, qs):
        return self.readable(user, qs)

    def can_read(self, user, obj):
        role = active_role(user)
        return role == Role.ADMIN or (bool(role) and obj.user_id == user.pk)

    can_change = can_read


class ImportMapping(models.Model):
    """The column mapping a user chose for files with these headers."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    signature = models.CharField(max_length=64, help_text="sha256 of the normalised headers")
    mapping = models.JSONField(default=dict, help_text="{target field: source header}")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "signature"], name="unique_import_mapping"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.kind} · {self.signature[:8]}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        MAPPED = "mapped", "Mapped"
        VALIDATING = "validating", "Dry run running"
        VALIDATED = "validated", "Dry run done"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    ACTIVE = (Status.VALIDATING, Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4, choices=Format.choices, default=Format.CSV)
    # The file lives in the database: web and worker nodes need no shared disk.
    data = models.BinaryField()
    encoding = models.CharField(max_length=40, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="{target field: source header}")
    date_order = models.CharField(
        max_length=3,
        choices=DateOrder.choices,
        blank=True,
        help_text="How the file writes day/month dates; chosen or detected at the mapping step",
    )
    total_rows = models.PositiveIntegerField(default=0)
    # The row cursor: rows up to this file row number are done. Updated in the same
    # transaction as the rows themselves, so a retried task resumes exactly after them.
    row_cursor = models.PositiveIntegerField(default=0, help_text="Last file row done")
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    dry_run_summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Why the whole job failed")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RecordQuerySet.as_manager()
    access = ImportJobPolicy()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.file_name}"

    def get_absolute_url(self):
        return reverse("imports:job_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_dry_run(self) -> bool:
        """The rows counted are the dry run's (running or done), not the import's."""
        return self.status in (self.Status.VALIDATING, self.Status.VALIDATED)

    @property
    def rows_done(self) -> int:
        """Rows checked by the dry run (while it runs and after it), else rows imported."""
        if self.is_dry_run:
            return self.dry_run_summary.get("processed", 0)
        return self.processed_rows

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.rows_done * 100 / self.total_rows))


class ImportRowError(models.Model):
    """One problem with one row: an error (the row was not saved) or a warning (saved, but
    e.g. it looks like a duplicate)."""

    class Phase(models.TextChoices):
        DRY_RUN = "dry_run", "Dry run"
        IMPORT = "import", "Import"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    row = models.PositiveIntegerField(help_text="Row number in the file (the header is row 1)")
    field = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500)
    is_warning = models.BooleanField(default=False)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "phase", "row"], name="importrowerror_job_idx")]

    def __str__(self):
        return f"Row {self.row}: {self.field} {self.message}"
