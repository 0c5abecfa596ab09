from django.apps import AppConfig


class PagecacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from . import invalidation, release

        invalidation.connect()
        # Taken once, as the code is loaded: a worker started later from files changed in
        # place gets the new release's name.
        release.release()
