"""The writer's tools outside the admin proper: who may write, the editor's live preview and
image upload endpoints (django-markdownx's JavaScript talks to these, never to markdownx.urls),
and the private preview of drafts and scheduled pieces.
"""

import uuid

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

import markup
import uploads
from accounts.roles import can_edit_piece, can_write

from .models import Article

NO_STORE = "private, no-store"


# --- Who may do what ----------------------------------------------------------------------


def _no_store(response):
    response["Cache-Control"] = NO_STORE
    return response


# --- The markdownx endpoints --------------------------------------------------------------


# One preview at a time per writer: the editor sends none while one is in flight, and a second
# tab (or a script) is told to wait. The lock expires by itself should a worker die holding it;
# one render is bounded by markup.MAX_RENDER_OPERATIONS, well within this.
PREVIEW_LOCK_SECONDS = 10
PREVIEW_BUSY = (
    '<p class="errornote">Your previous preview is still being rendered: this one was skipped. '
    "The preview catches up with your next change.</p>"
)


def _preview_html(html, status=200):
    return _no_store(HttpResponse(html, status=status, content_type="text/html; charset=utf-8"))


@require_POST
def markdownify(request):
    """Render the editor's Markdown exactly as the published page will: the one renderer."""
    if not can_write(request.user):
        return _no_store(HttpResponse("Sign in as a writer to preview.", status=403))
    content = request.POST.get("content", "")
    length = markup.markdown_length(content)
    if length > markup.MAX_MARKDOWN_LENGTH:
        return _preview_html(
            f'<p class="errornote">This piece has {length:,} characters: the preview and '
            f"the page stop at {markup.MAX_MARKDOWN_LENGTH:,}. Split it into parts.</p>"
        )
    lock = f"editor-preview:{request.user.pk}"
    if not cache.add(lock, 1, timeout=PREVIEW_LOCK_SECONDS):
        return _preview_html(PREVIEW_BUSY, status=429)
    try:
        if markup.too_complex(content):
            return _preview_html(f'<p class="errornote">{markup.TOO_COMPLEX_MESSAGE}</p>')
        return _preview_html(markup.render_markdown(content))
    finally:
        cache.delete(lock)


def _upload_error(message, status=400):
    # The shape of markdownx's own ImageUploadView errors (form.errors): {"image": [...]}.
    return _no_store(JsonResponse({"image": [message]}, status=status))


@require_POST
def upload(request):
    """Store an image dropped or pasted into the editor, after decoding and re-encoding it.

    Answers like markdownx's upload view: `{"image_code": "![](url)"}`, or `{"image": [error]}`
    with status 400 (403 for anyone who may not write).
    """
    if not can_write(request.user):
        return _upload_error("Sign in as a writer to upload images.", status=403)
    files = request.FILES.getlist("image")
    if len(files) != 1:
        return _upload_error("Upload one image at a time.")
    max_bytes = settings.MARKDOWNX_UPLOAD_MAX_SIZE
    resize = settings.MARKDOWNX_IMAGE_MAX_SIZE
    max_width = (resize.get("size") or (2000, 0))[0] or 2000
    try:
        content, ext = uploads.process_image(
            files[0],
            max_width=max_width,
            max_bytes=max_bytes,
            quality=resize.get("quality", uploads.QUALITY),
        )
    except uploads.ImageRejected as error:
        return _upload_error(error.message)
    folder = settings.MARKDOWNX_MEDIA_PATH.strip("/")
    name = default_storage.save(
        f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}", content
    )
    return _no_store(JsonResponse({"image_code": f"![]({default_storage.url(name)})"}))


# --- Private preview -----------------------------------------------------------------------


def preview(request, pk):
    """Show a piece as readers will see it, to those who may edit it, never cached."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    article = (
        Article.objects.select_related("author").prefetch_related("tags").filter(pk=pk).first()
    )
    if article is None or not can_edit_piece(request.user, article):
        raise Http404("No such piece.")
    response = render(
        request,
        "blog/preview.html",
        {
            "article": article,
            "author": article.author,
            "no_fragments": True,  # a preview never reads or fills readers' fragments
            "is_scheduled": article.is_scheduled,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return _no_store(response)
