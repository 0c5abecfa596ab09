from django.conf import settings


def site(request):
    """Expose the site's name and default language to every template."""
    return {"SITE_NAME": settings.SITE_NAME, "SITE_LANGUAGE": settings.BYLINE_DEFAULT_LANGUAGE}
