"""Users, their role, and teams (sales offices and support queues)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property

from core.access import AdministrationPolicy, PeoplePolicy, RecordQuerySet

from .roles import MANAGER_ROLES, SALES_MANAGERS, SALES_ROLES, SUPPORT_ROLES, Role

__all__ = [
    "MANAGER_ROLES",
    "SALES_ROLES",
    "SUPPORT_ROLES",
    "Role",
    "Team",
    "TeamMembership",
    "User",
]


class PeopleManager(UserManager.from_queryset(RecordQuerySet)):
    pass


class User(AbstractUser):
    """A person who logs in. One role decides what they do; teams decide which rows they see."""

    objects = PeopleManager()

    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    title = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_away = models.BooleanField(
        default=False, help_text="Away users are skipped by assignment rules."
    )
    discount_limit = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=10,
        help_text="Largest quote discount (%) this user may send without a manager's approval",
    )

    access = PeoplePolicy()

    class Meta:
        ordering = ["first_name", "last_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=Role.values) | Q(role=""), name="user_role_valid"
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def get_absolute_url(self):
        return reverse("users:user_detail", args=[self.pk])

    @property
    def initials(self) -> str:
        """Two letters for avatars on cards: first and last name, else the username's first."""
        letters = (self.first_name[:1] + self.last_name[:1]) or self.username[:1]
        return letters.upper()

    @property
    def has_role(self) -> bool:
        return bool(self.role) and self.is_active

    @property
    def manages_sales(self) -> bool:
        """Pipelines, assignment rules, quotas and the catalogue are theirs to change."""
        return self.has_role and self.role in SALES_MANAGERS

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN

    @cached_property
    def team_ids(self) -> frozenset[int]:
        """Teams the user belongs to or manages; cached for the request (one query)."""
        if not self.pk:
            return frozenset()
        return frozenset(
            Team.objects.filter(Q(memberships__user=self) | Q(manager=self))
            .values_list("pk", flat=True)
            .distinct()
        )


class Team(models.Model):
    class Kind(models.TextChoices):
        SALES = "sales", "Sales team"
        SUPPORT = "support", "Support queue"
        MARKETING = "marketing", "Marketing team"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SALES)
    region = models.CharField(max_length=80, blank=True, help_text="Regional office")
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    members = models.ManyToManyField(
        User, through="TeamMembership", related_name="teams", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecordQuerySet.as_manager()
    access = AdministrationPolicy()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["sales", "support", "marketing"]), name="team_kind_valid"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("users:team_detail", args=[self.pk])


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    max_open_leads = models.PositiveIntegerField(
        null=True, blank=True, help_text="Capacity for lead assignment; empty means no limit."
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    last_lead_at = models.DateTimeField(
        null=True, blank=True, help_text="When round-robin last gave this member a lead"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self):
        return f"{self.user} in {self.team}"
