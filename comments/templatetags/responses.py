from django import template

from blog.models import Article

from .. import rules, services
from ..forms import ResponseForm
from ..threads import build_threads

register = template.Library()
Mode = Article.ResponsesMode


@register.inclusion_tag("comments/responses.html", takes_context=True)
def render_responses(context, article):
    """Render the responses under a piece (the list and the way to respond).

    Anonymous readers get a page with no CSRF token and nothing per-user, so it can be cached.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    mode = rules.effective_mode(article)
    data = {
        "article": article,
        "mode": mode,
        "shown": mode != Mode.OFF,
        "accepting": mode in (Mode.OPEN, Mode.PREMODERATED),
        "premoderated": mode == Mode.PREMODERATED,
        "signed_in": signed_in,
    }
    if not data["shown"]:
        return data
    data["threads"] = build_threads(article, user if signed_in else None)
    if signed_in:
        data.update(
            user=user,
            csrf_token=context.get("csrf_token"),
            messages=context.get("messages"),
            form=ResponseForm(auto_id="response-%s"),
            moderator=services.can_moderate(user),
        )
    return data
