"""The writer's endpoints under /write/: the editor's preview and upload, and private previews.

The two markdownx paths are fixed by settings.MARKDOWNX_URLS_PATH and MARKDOWNX_UPLOAD_URLS_PATH
(the widget reads them from there); markdownx.urls is never included.
"""

from django.urls import path

from . import editor

app_name = "editor"

urlpatterns = [
    path("markdownx/markdownify/", editor.markdownify, name="markdownify"),
    path("markdownx/upload/", editor.upload, name="upload"),
    path("preview/<int:pk>/", editor.preview, name="preview"),
]
