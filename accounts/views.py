from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import ratelimit, services
from .forms import SignUpForm


def next_url(request):
    """The `next` address from the request if it points to this site (not back here); else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and target.split("?")[0] == request.path:
        return ""  # back to this same page would loop
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def safe_next(request, default=None):
    """Where to go after this page: a safe `next`, else the default."""
    return next_url(request) or resolve_url(default or settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return "" if url.split("?")[0] == self.request.path else url  # never loop back here


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """Self-service sign-up: an unconfirmed account and a mailed link to confirm its address.

    An address that already holds an account gets the same answer (and its owner a notice), so
    the page never reveals who has an account. Limited per address and per network.
    """
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.account_mail_allowed(
                bucket="signup",
                email=form.cleaned_data["email"],
                ip_address=ratelimit.client_ip(request),
            )
        except services.RateLimited as limited:
            form.add_error(None, limited.message)
            status = 429
        else:
            services.user_sign_up(form=form, request=request)
            request.session["signup_email"] = form.cleaned_data["email"]
            request.session["signup_next"] = safe_next(request, default="blog:home")
            return redirect("accounts:signup_done")
    context = {"form": form, "next": next_url(request)}
    return render(request, "accounts/signup.html", context, status=status)


@never_cache
def signup_done(request):
    context = {
        "email": request.session.get("signup_email", ""),
        "next": request.session.get("signup_next", ""),
    }
    return render(request, "accounts/signup_done.html", context)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    """GET shows a button (mail scanners follow links); POST confirms the address."""
    user = services.user_from_confirmation_token(token)
    if user is None:
        return render(request, "accounts/confirm_email.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.user_confirm_email(user=user)
        messages.success(request, "Your email address is confirmed: you can respond and report.")
        # Back to where the reader signed up from (kept in this browser's session), if known.
        target = request.session.get("signup_next") or resolve_url(settings.LOGIN_REDIRECT_URL)
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect(target)
        return redirect(f"{resolve_url('accounts:login')}?{urlencode({'next': target})}")
    return render(request, "accounts/confirm_email.html", {"confirm_user": user})


@login_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    """The signed-in reader's confirmation state, and a new link on request (rate-limited)."""
    user = request.user
    status = 200
    if request.method == "POST" and not user.email_confirmed:
        try:
            services.account_mail_allowed(
                bucket="confirm", email=user.email, ip_address=ratelimit.client_ip(request)
            )
        except services.RateLimited as limited:
            messages.error(request, limited.message)
            status = 429
        else:
            services.user_send_confirmation(user=user, request=request)
            messages.success(request, "A new link is on its way. Check your inbox.")
            return redirect("accounts:resend_confirmation")
    return render(request, "accounts/resend_confirmation.html", {"account": user}, status=status)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset (same answer whether the address has an account), limited per address and
    per network."""

    def form_valid(self, form):
        try:
            services.account_mail_allowed(
                bucket="reset",
                email=form.cleaned_data["email"],
                ip_address=ratelimit.client_ip(self.request),
            )
        except services.RateLimited as limited:
            form.add_error(None, limited.message)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation; the link came by email, so the address is confirmed too."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_confirm_email(user=self.user)
        return response
