"""Template side of the ORG-3 masking helpers (pinzhi.lib.privacy, pinzhi.orgs.privacy), so
that every template masks customer personal data the same way:

    {% load privacy %}
    {{ complaint.phone|masked:"phone" }}                    always masked (lists)
    {% customer_field value kind="phone" may_see=flag %}    masked unless flag
    {% person_field person "phone" %}                       masked for a customer, unless
                                                            the viewer is that customer
"""

from django import template

from pinzhi.lib import privacy
from pinzhi.orgs.privacy import person_field as person_field_shown

register = template.Library()


@register.filter
def masked(value, kind: str) -> str:
    return privacy.customer_field(value, kind=kind, may_see=False)


@register.simple_tag
def customer_field(value, kind: str, may_see: bool = False) -> str:
    return privacy.customer_field(value, kind=kind, may_see=bool(may_see))


@register.simple_tag(takes_context=True)
def person_field(context, person, field: str, may_see: bool = False) -> str:
    request = context.get("request")
    viewer = getattr(request, "user", None) if request is not None else context.get("user")
    return person_field_shown(person, field, viewer=viewer, may_see=bool(may_see))
