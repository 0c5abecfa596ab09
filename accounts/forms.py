from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class SignUpForm(UserCreationForm):
    """A reader's account: username, email and a password checked by Django's validators."""

    email = forms.EmailField(
        max_length=254,
        help_text="For password resets and the notifications you choose. Never shown.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
