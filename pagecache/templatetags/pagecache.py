from django import template

from .. import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context):
        # Namespaced by template, so two templates never share a name by accident.
        name = str(self.name.resolve(context))
        values = [repr(var.resolve(context)) for var in self.vary_on]
        key = "\x1f".join([self.origin.template_name or "", name, *values])
        return fragments.render_in(context, key, lambda: self.nodelist.render(context))


@register.tag
def fragment(parser, token):
    """Keep what the block renders for the current generation, per name and values.

        {% fragment "article-meta" article.pk request.get_host %}…{% endfragment %}

    Everything the block shows must depend only on the values named (and on content, which
    the generation follows): never put per-user content, messages or a CSRF token inside.
    A template rendered with `no_fragments` in its context (previews) neither reads nor fills.
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )
