from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "background"
    verbose_name = "Background work"

    def ready(self):
        from . import logs  # noqa: F401 - connects the per-run log line
