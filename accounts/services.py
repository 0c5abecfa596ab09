"""Account writes and account mail: sign-up, email confirmation, the notice to an address's owner.

Mail is sent by `_send_mail`, the one call site: it goes through the outbox's task queue after the
database commit, so a slow or failing mail server never touches the request.
"""

import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify

from outbox.services import mail_enqueue_rendered

from . import ratelimit
from .models import AuthorProfile

logger = logging.getLogger(__name__)
CONFIRM_SALT = "accounts.email-confirmation"


class RateLimited(Exception):
    """Too many account mails for one address or network; `message` says what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def account_mail_allowed(*, bucket, email, ip_address):
    """Count one account mail (sign-up, confirmation, reset) for the address and the network."""
    by_address = ratelimit.hit(f"{bucket}:address", email, settings.BYLINE_ACCOUNT_ADDRESS_RATE)
    by_network = ratelimit.hit(
        f"{bucket}:network", ratelimit.network(ip_address), settings.BYLINE_ACCOUNT_NETWORK_RATE
    )
    if not (by_address and by_network):
        window = max(
            settings.BYLINE_ACCOUNT_ADDRESS_RATE[1], settings.BYLINE_ACCOUNT_NETWORK_RATE[1]
        )
        raise RateLimited(
            "Too many requests for this address or from your network. "
            f"Try again in {max(1, window // 60)} minutes."
        )


def email_taken(email):
    return bool(email) and get_user_model().objects.filter(email__iexact=email.strip()).exists()


# -- Confirmation tokens ---------------------------------------------------------------------


def make_confirmation_token(user):
    """A signed, expiring token naming the account and the address it confirms."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=CONFIRM_SALT)


def user_from_confirmation_token(token):
    """The account a valid, unexpired token confirms for its current address; else None."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.BYLINE_CONFIRMATION_MAX_AGE)
        user = get_user_model().objects.filter(pk=int(data["u"]), is_active=True).first()
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not user.email or user.email.lower() != data["e"]:
        return None
    return user


# -- Mail --------------------------------------------------------------------------------------


def _send_mail(*, key, subject, template, context, recipient):
    """The one place account mail leaves from: the outbox's queue, after the commit.

    The request never waits for the mail server; `key` makes each mail happen once.
    """
    subject = " ".join(f"{subject} · {settings.SITE_NAME}".split())[:200]
    mail_enqueue_rendered(
        key=key, to=[recipient], subject=subject, template=template, context=context
    )


def user_send_confirmation(*, user, request):
    """Mail the link that confirms the account's address."""
    if not user.email or user.email_confirmed:
        return
    path = reverse("accounts:confirm_email", kwargs={"token": make_confirmation_token(user)})
    context = {
        "user": user,
        "site_name": settings.SITE_NAME,
        "confirm_url": request.build_absolute_uri(path),
        "days": max(1, settings.BYLINE_CONFIRMATION_MAX_AGE // 86400),
    }
    _send_mail(
        key=f"signup-confirm:{user.pk}:{uuid.uuid4()}",  # each sending is its own event
        subject="Confirm your email address",
        template="accounts/email/confirm",
        context=context,
        recipient=user.email,
    )


def user_send_signup_attempt(*, email, request):
    """Tell an address's owner that someone tried to sign up with it (the page says nothing)."""
    user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return
    context = {
        "user": user,
        "site_name": settings.SITE_NAME,
        "login_url": request.build_absolute_uri(reverse("accounts:login")),
        "reset_url": request.build_absolute_uri(reverse("accounts:password_reset")),
    }
    _send_mail(
        key=f"signup-attempt:{user.pk}:{uuid.uuid4()}",
        subject="Someone tried to sign up with your address",
        template="accounts/email/signup_attempt",
        context=context,
        recipient=user.email,
    )


# -- Writes ------------------------------------------------------------------------------------


def user_sign_up(*, form, request):
    """Create a self-service account, unconfirmed, and mail its confirmation link.

    Returns the new user, or None when the address already holds an account: then nothing is
    created and the address's owner gets a notice instead (the page looks the same either way).
    """
    email = form.cleaned_data["email"]
    if email_taken(email):
        make_password(form.cleaned_data.get("password1"))  # as slow as creating an account
        user_send_signup_attempt(email=email, request=request)
        return None
    try:
        with transaction.atomic():
            user = form.save(commit=False)
            user.email_confirmed = False
            user.save()
    except IntegrityError:  # the same address, signed up at the same moment
        user_send_signup_attempt(email=email, request=request)
        return None
    user_send_confirmation(user=user, request=request)
    return user


def user_confirm_email(*, user):
    if not user.email_confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    return user


# --- Author profiles -----------------------------------------------------------------------


def unique_author_slug(name, *, exclude_pk=None, fallback="author"):
    """A free author-page slug made from `name`: `jane-doe`, else `jane-doe-2`, ..."""
    base = slugify(name)[:70] or fallback
    taken = AuthorProfile.objects.exclude(pk=exclude_pk)
    slug, number = base, 1
    while taken.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def author_profile_ensure(*, user, display_name=None, slug=None):
    """Return (profile, created): `user`'s author profile, made now if they have none.

    A new profile is named `display_name` (else the user's full name, else username) and gets
    a free slug made from `slug` (else from that name). The admin (a writer's first visit) and
    the importers (writers named in files) both come here.
    """
    profile = AuthorProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile, False
    name = (display_name or user.get_full_name() or user.get_username())[:120]
    free_slug = unique_author_slug(slug or name, fallback=f"author-{user.pk}")
    profile = AuthorProfile.objects.create(user=user, display_name=name, slug=free_slug)
    user.author_profile = profile
    return profile, True
