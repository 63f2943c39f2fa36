from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number: int, param: str = "page") -> str:
    """The current query string with `param` set to `number`: a list's filters survive
    paging, whether the list came as a full page or as an htmx partial (whose request
    carries the same filters)."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
