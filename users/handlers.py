"""Outbox handlers of the users app."""

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm

from core.events import handles

from .models import User


class InvitationForm(PasswordResetForm):
    """Django's reset form skips users without a usable password, which an invited user is by
    definition (and would mail every account sharing the address): send to this user only."""

    def __init__(self, user):
        super().__init__({"email": user.email})
        self.invited = user

    def get_users(self, email):
        return [self.invited]


@handles("user.invited")
def send_invitation(event):
    user = User.objects.filter(pk=event.payload["user_id"], is_active=True).first()
    if user is None or not user.email:
        return
    site = settings.SITE_URL.split("://", 1)
    form = InvitationForm(user)
    if form.is_valid():
        form.save(
            domain_override=site[1],
            use_https=site[0] == "https",
            subject_template_name="registration/invitation_subject.txt",
            email_template_name="registration/invitation_email.txt",
            extra_email_context={"site_name": "CRM"},
        )
