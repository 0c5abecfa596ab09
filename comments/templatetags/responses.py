from django import template

register = template.Library()


@register.inclusion_tag("comments/responses.html", takes_context=True)
def render_responses(context, article):
    """Render the responses under a piece (the list and the way to respond)."""
    return {"article": article, "request": context.get("request")}
