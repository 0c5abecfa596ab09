from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.template.loader import render_to_string

from outbox.services import html_from_text, mail_enqueue


class SignUpForm(UserCreationForm):
    """A reader's account: username, email and a password checked by Django's validators."""

    email = forms.EmailField(
        max_length=254,
        help_text="For password resets and the notifications you choose. Never shown.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


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
