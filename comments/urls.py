from django.urls import path, register_converter

from . import views


class IdConverter:
    """A database id: digits only, short enough never to overflow a 64-bit column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

app_name = "comments"

urlpatterns = [
    path("piece/<id:article_id>/", views.respond, name="respond"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/delete/", views.delete, name="delete"),
    path("<id:pk>/hide/", views.hide, name="hide"),
    path("<id:pk>/unhide/", views.unhide, name="unhide"),
    path("<id:pk>/report/", views.report, name="report"),
    path("settings/", views.notification_settings, name="notifications"),
]
