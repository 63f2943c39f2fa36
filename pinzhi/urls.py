from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from pinzhi.core import errors

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("pinzhi.core.urls")),
    path("org/", include("pinzhi.orgs.urls")),
    path("policy/", include("pinzhi.policy.urls")),
    path("timeline/", include("pinzhi.timeline.urls")),
    path("deadlines/", include("pinzhi.deadlines.urls")),
    path("notifications/", include("pinzhi.notify.urls")),
    path("standards/", include("pinzhi.standards.urls")),
    path("complaints/repeats/", include("pinzhi.complaints.urls_repeats")),
    path("complaints/import/", include("pinzhi.complaints.urls_import")),
    path("complaints/print/", include("pinzhi.complaints.urls_print")),
    path("complaints/", include("pinzhi.complaints.urls")),
    path("inspections/checklists/", include("pinzhi.inspections.urls_checklists")),
    path("inspections/plans/", include("pinzhi.inspections.urls_planning")),
    path("rectification/", include("pinzhi.rectification.urls")),
    path("suppliers/", include("pinzhi.suppliers.urls")),
    path("inspections/", include("pinzhi.inspections.urls")),
    path("assessment/", include("pinzhi.assessment.urls")),
    path("training/", include("pinzhi.training.urls")),
    path("public/", include("pinzhi.portal.urls")),
    path("api/", include("pinzhi.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]


def page_not_found(request, exception):
    """An address nothing answers: under /api/ a problem document like every API error
    (issue 7 item 2), elsewhere the shell's 404 page."""
    if request.path.startswith("/api/"):
        from pinzhi.api.api import api
        from pinzhi.api.problems import NOT_FOUND, problem

        return problem(api, request, status=404, detail=NOT_FOUND)
    return errors.page_not_found(request, exception)


handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = page_not_found
handler500 = errors.server_error

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
