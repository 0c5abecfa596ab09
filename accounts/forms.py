from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from outbox.services import html_from_text, mail_enqueue

from .usernames import is_deceptive, skeleton

DECEPTIVE = "Use letters from one alphabet: this name mixes look-alike characters."
LOOKALIKE = "This username is too close to an existing one. Choose another."
EMAIL_IN_USE = "Another account uses this email address."


def check_username(username, *, exclude_pk=None):
    """Refuse names that could pass for someone else's (accounts.usernames)."""
    if is_deceptive(username):
        raise ValidationError(DECEPTIVE, code="deceptive")
    others = get_user_model().objects.exclude(pk=exclude_pk)
    if others.filter(username_skeleton=skeleton(username)).exists():
        raise ValidationError(LOOKALIKE, code="lookalike")
    return username


class SignUpForm(UserCreationForm):
    """A reader's account: username, email and a password checked by Django's validators."""

    email = forms.EmailField(
        max_length=254,
        help_text="We mail you a link to confirm it. Also for password resets and the "
        "notifications you choose. Never shown.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self):
        username = super().clean_username()
        return check_username(username)

    def clean_email(self):
        return get_user_model().objects.normalize_email(self.cleaned_data["email"].strip())

    def _get_validation_exclusions(self):
        # An address already in use must not show on this page (services.user_sign_up mails
        # its owner instead), so the model's one-address-one-account constraint is not
        # checked here; the database still enforces it.
        return {*super()._get_validation_exclusions(), "email"}


class EmailForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email address")


class AdminUserChangeForm(UserChangeForm):
    """Staff edit accounts: the same username rules; one address, one account (any case)."""

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username and username != self.initial.get("username"):
            check_username(username, exclude_pk=self.instance.pk)
        return username

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip()
        others = get_user_model().objects.exclude(pk=self.instance.pk)
        if email and others.filter(email__iexact=email).exists():
            raise ValidationError(EMAIL_IN_USE, code="email_in_use")
        return email


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    def clean_username(self):
        return check_username(super().clean_username())


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset, its mail handed to the background queue (text and HTML)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        text = render_to_string(email_template_name, context)
        mail_enqueue(
            key=f"password-reset:{context['uid']}:{context['token']}",
            to=[to_email],
            subject=subject,
            text=text,
            html=html_from_text(text, subject=subject),
            from_email=from_email,
        )
