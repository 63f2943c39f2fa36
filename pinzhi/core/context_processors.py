from django.conf import settings

from pinzhi.core.shell import nav_for


def shell(request):
    user = getattr(request, "user", None)
    return {
        "nav_sections": nav_for(user) if user is not None and user.is_authenticated else [],
        "LANGUAGES": settings.LANGUAGES,
    }
