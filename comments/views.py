from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from blog.models import Article

from . import services
from .forms import EditForm, NotificationSettingsForm, ReasonForm, ResponseForm
from .models import Comment, NotificationSettings

Status = Comment.Status
PARENT_GONE = "The response you replied to is no longer here."


def _data(request):
    return request.POST if request.method == "POST" else None


def _site_url(request):
    return request.build_absolute_uri("/")


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _published_article(article_id):
    article = Article.objects.published().select_related("author").filter(pk=article_id).first()
    if article is None:
        raise Http404("No such piece.")
    return article


def _comment(pk):
    comment = (
        Comment.objects.select_related("article__author", "author", "parent")
        .filter(pk=pk, article__in=Article.objects.published())
        .first()
    )
    if comment is None:
        raise Http404("No such response.")
    return comment


def _refused(request, message, status=403, article=None):
    return render(
        request, "comments/refused.html", {"message": message, "article": article}, status=status
    )


def _to_response(comment, anchor=None):
    return redirect(f"{comment.article.get_absolute_url()}#{anchor or f'response-{comment.pk}'}")


def _apply_errors(form, error):
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            visible = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if visible else None, message)


@require_POST
def respond(request, article_id):
    article = _published_article(article_id)
    if not request.user.is_authenticated:
        login = reverse("accounts:login")
        next_url = f"{article.get_absolute_url()}#responses"
        return redirect(f"{login}?{urlencode({'next': next_url})}")
    form = ResponseForm(request.POST)
    context = {"article": article, "form": form}
    if not form.is_valid():
        if form.has_error("parent"):
            form.errors.pop("parent")
            form.add_error(None, PARENT_GONE)
        return render(request, "comments/respond.html", context)
    parent = None
    if parent_id := form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=parent_id, article=article).first()
        if parent is None:
            form.add_error(None, PARENT_GONE)
            return render(request, "comments/respond.html", context)
    context["parent"] = parent
    try:
        comment = services.comment_create(
            article=article,
            author=request.user,
            body=form.cleaned_data["body"],
            parent=parent,
            honeypot=form.cleaned_data.get("website", ""),
            ip_address=_client_ip(request),
            site_url=_site_url(request),
        )
    except ValidationError as error:
        _apply_errors(form, error)
        return render(request, "comments/respond.html", context)
    except services.ResponseRefused as refusal:
        context["refusal"] = refusal.message
        return render(request, "comments/respond.html", context, status=refusal.status)
    if comment.status == Status.APPROVED:
        messages.success(request, "Your response is published.")
        return _to_response(comment)
    # Held and spam look the same to the sender.
    messages.info(request, "Your response is awaiting moderation.")
    return _to_response(comment, None if comment.status == Status.PENDING else "responses")


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    comment = _comment(pk)
    if not services.can_edit(comment, request.user):
        return _refused(
            request,
            f"You can edit your own responses for {services.edit_window_text()} after posting.",
        )
    form = EditForm(_data(request), initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.comment_edit(
                comment=comment,
                user=request.user,
                body=form.cleaned_data["body"],
                site_url=_site_url(request),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except PermissionDenied as error:
            return _refused(request, str(error))
        except services.ResponseRefused as refusal:
            return _refused(request, refusal.message, status=refusal.status)
        else:
            if comment.status == Status.APPROVED:
                messages.success(request, "Your response is updated.")
            else:
                messages.info(request, "Your response is awaiting moderation.")
            return _to_response(comment)
    return render(
        request,
        "comments/edit.html",
        {"comment": comment, "form": form, "edit_window": services.edit_window_text()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    comment = _comment(pk)
    if not services.can_edit(comment, request.user):
        return _refused(
            request,
            f"You can delete your own responses for {services.edit_window_text()} after posting.",
        )
    if request.method == "POST":
        try:
            services.comment_delete(comment=comment, user=request.user)
        except (PermissionDenied, services.InvalidTransition) as error:
            return _refused(request, str(error))
        messages.success(request, "Your response is deleted.")
        return _to_response(comment, "responses")
    return render(request, "comments/delete.html", {"comment": comment})


@login_required
@require_http_methods(["GET", "POST"])
def hide(request, pk):
    comment = _comment(pk)
    if not services.is_piece_author(request.user, comment.article):
        return _refused(request, "Only the piece's author can hide responses on it.")
    if comment.status != Comment.Status.APPROVED:
        return _refused(request, "Only published responses can be hidden.", status=409)
    form = ReasonForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_hide_by_author(
                comment=comment, user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.InvalidTransition as error:
            return _refused(request, str(error), status=409)
        messages.success(request, "The response is hidden. Readers see a placeholder.")
        return _to_response(comment)
    return render(request, "comments/hide.html", {"comment": comment, "form": form})


@login_required
@require_POST
def unhide(request, pk):
    comment = _comment(pk)
    try:
        services.comment_unhide_by_author(comment=comment, user=request.user)
    except PermissionDenied as error:
        return _refused(request, str(error))
    except services.InvalidTransition as error:
        return _refused(request, str(error), status=409)
    messages.success(request, "The response is shown again.")
    return _to_response(comment)


@login_required
@require_http_methods(["GET", "POST"])
def report(request, pk):
    comment = _comment(pk)
    if comment.author_id == request.user.pk:
        return _refused(request, "You cannot report your own response.")
    if comment.status != Status.APPROVED:
        return _refused(request, "Only published responses can be reported.", status=409)
    form = ReasonForm(_data(request))
    context = {"comment": comment, "form": form}
    if not request.user.email_confirmed:
        # The page says what to do (confirm the address) instead of a bare refusal.
        status = 403 if request.method == "POST" else 200
        return render(request, "comments/report.html", context, status=status)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_report(
                comment=comment,
                reporter=request.user,
                reason=form.cleaned_data["reason"],
                site_url=_site_url(request),
            )
        except services.InvalidTransition as error:
            messages.info(request, str(error))
        except services.ResponseRefused as refusal:
            return _refused(request, refusal.message, status=refusal.status)
        else:
            messages.success(request, "Thank you: the moderators will look at it.")
        return _to_response(comment, "responses")
    return render(request, "comments/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    prefs = NotificationSettings.objects.filter(user=request.user).first()
    prefs = prefs or NotificationSettings(user=request.user)
    form = NotificationSettingsForm(_data(request), instance=prefs)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email choices are saved.")
        return redirect("comments:notifications")
    return render(
        request,
        "comments/notifications.html",
        {"form": form, "moderator": services.can_moderate(request.user)},
    )
