import json

from django import template
from django.utils import timezone
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

from ..metadata import article_structured_data

register = template.Library()


@register.filter
def jsonld(data):
    """Serialize structured data for a `<script type="application/ld+json">` block, safely."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_json_script_escapes))  # noqa: S308


@register.simple_tag(takes_context=True)
def structured_data(context, article):
    """The piece's schema.org JSON-LD, for its `<script type="application/ld+json">`."""
    return jsonld(article_structured_data(context["request"], article))


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """Make a site path absolute for metadata (canonical links, OpenGraph)."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    return context["request"].build_absolute_uri(path)


@register.filter
def responses_label(count):
    if not count:
        return "No responses yet"
    return "1 response" if count == 1 else f"{count:,} responses"


@register.filter
def machine_time(value):
    """A `<time datetime>` value: ISO 8601 in the current time zone, to the second.

    (`|date:'c'` prints microseconds; HTML allows at most three fraction digits.)
    """
    if not value:
        return ""
    if hasattr(value, "hour"):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    return value.isoformat()
