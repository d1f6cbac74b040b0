"""Administration of users and teams (administrators), and each user's own profile."""

import django_filters
import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from core.filters import RecordFilterSet
from core.tables import RecordTable
from core.views.generic import RecordViews

from . import services
from .forms import TeamForm, UserForm
from .models import Role, Team, User


class UserFilterSet(RecordFilterSet):
    search_fields = ("username", "last_name", "email")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_active = django_filters.BooleanFilter()
    teams = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label="Team")

    class Meta:
        model = User
        fields = ["q", "role", "is_active", "teams"]


class UserTable(RecordTable):
    username = tables.Column(linkify=True)
    name = tables.Column(accessor="get_full_name", order_by=("first_name", "last_name"))

    class Meta(RecordTable.Meta):
        model = User
        fields = ("username", "name", "email", "role", "is_active", "is_away", "last_login")
        order_by = ("username",)


class UserViews(RecordViews):
    model = User
    namespace = "users"
    filterset_class = UserFilterSet
    table_class = UserTable
    form_class = UserForm
    detail_fields = ("username", "email", "role", "title", "phone", "discount_limit",
                     "is_active", "is_away", "last_login", "date_joined")  # fmt: skip
    export_fields = ("id", "username", "first_name", "last_name", "email", "role", "is_active")
    allow_bulk_delete = False
    detail_template = "users/user_detail.html"

    @classmethod
    def initial_for_create(cls, request):
        return {"is_active": True}

    @classmethod
    def save(cls, *, form, user, created):
        return services.user_save(
            user=form.save(commit=False),
            teams=form.cleaned_data["teams"],
            password=form.cleaned_data.get("password", ""),
            created=created,
            by=user,
        )

    @classmethod
    def detail_context(cls, request, obj):
        return {"teams": obj.teams.all()}


class TeamFilterSet(RecordFilterSet):
    search_fields = ("name", "region")
    kind = django_filters.ChoiceFilter(choices=Team.Kind.choices)

    class Meta:
        model = Team
        fields = ["q", "kind"]


class TeamTable(RecordTable):
    name = tables.Column(linkify=True)
    member_count = tables.Column(verbose_name="Members")

    class Meta(RecordTable.Meta):
        model = Team
        fields = ("name", "kind", "region", "manager", "member_count")
        order_by = ("name",)


class TeamViews(RecordViews):
    model = Team
    namespace = "users"
    queryset = Team.objects.select_related("manager").annotate(member_count=Count("memberships"))
    filterset_class = TeamFilterSet
    table_class = TeamTable
    form_class = TeamForm
    detail_fields = ("kind", "region", "manager")
    export_fields = ("id", "name", "kind", "region", "manager__username")
    detail_template = "users/team_detail.html"

    @classmethod
    def initial_for_create(cls, request):
        return {}

    @classmethod
    def save(cls, *, form, user, created):
        return services.team_save(
            team=form.save(commit=False), members=form.cleaned_data["members"]
        )

    @classmethod
    def detail_context(cls, request, obj):
        return {"members": obj.members.order_by("first_name", "last_name")}


@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "users/profile.html",
        {"token": token, "teams": request.user.teams.all()},
    )


@login_required
@require_POST
def regenerate_token(request):
    Token.objects.filter(user=request.user).delete()
    Token.objects.create(user=request.user)
    messages.success(request, "A new API token was created; the old one no longer works.")
    return redirect("users:profile")
