from django import template

from blog.models import Article
from pagecache import fragments

from .. import rules, services
from ..forms import ResponseForm
from ..threads import build_threads

register = template.Library()
Mode = Article.ResponsesMode
TEMPLATE = "comments/responses.html"


@register.simple_tag(takes_context=True)
def render_responses(context, article):
    """Render the responses under a piece (the list and the way to respond).

    Anonymous readers get HTML with no CSRF token and nothing per-user, the same for all of
    them: it is kept as a fragment for the generation (any response change starts a new one).
    """
    responses = context.template.engine.get_template(TEMPLATE)
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return fragments.render_in(
            context,
            f"responses:{article.pk}",
            lambda: responses.render(context.new(responses_context(article))),
        )
    data = responses_context(article, user)
    if data["shown"]:
        data.update(
            csrf_token=context.get("csrf_token"),
            messages=context.get("messages"),
            form=ResponseForm(auto_id="response-%s"),
            moderator=services.can_moderate(user),
        )
    return responses.render(context.new(data))


def responses_context(article, user=None):
    mode = rules.effective_mode(article)
    data = {
        "article": article,
        "mode": mode,
        "shown": mode != Mode.OFF,
        "accepting": mode in (Mode.OPEN, Mode.PREMODERATED),
        "premoderated": mode == Mode.PREMODERATED,
        "signed_in": user is not None,
        "user": user,
    }
    if data["shown"]:
        data["threads"] = build_threads(article, user)
    return data
