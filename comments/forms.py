from django import forms

from .models import MAX_BODY_LENGTH, NotificationSettings
from .text import normalize_body

MAX_ID = 2**63 - 1


class ResponseForm(forms.Form):
    """A new response or reply. `website` is a honeypot: people never see or fill it."""

    body = forms.CharField(
        label="Your response",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_BODY_LENGTH}),
        strip=False,
        error_messages={"required": "Write something first."},
    )
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    website = forms.CharField(required=False, max_length=10_000)

    def clean_body(self):
        body = normalize_body(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError("Write something first.")
        if len(body) > MAX_BODY_LENGTH:
            raise forms.ValidationError(
                f"Keep it under {MAX_BODY_LENGTH:,} characters (this has {len(body):,})."
            )
        return body


class EditForm(forms.Form):
    body = ResponseForm.base_fields["body"]

    clean_body = ResponseForm.clean_body


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["replies", "approvals", "moderation"]
