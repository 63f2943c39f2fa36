"""The Django admin of the organisation: read-only.

Units, posts, roles and companies are written only through the services (which keep the
materialised unit paths, check who may grant which role and record every change on the
timeline, X-1), so the admin only shows them and points to the product's own pages. A
superuser may still (de)activate a person, through the service. Nobody sets another
person's password here either (issue 6 item 4): a one-time sign-in code is issued on the
person's page.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.orgs import services
from pinzhi.orgs.models import Company, ContractorScope, Person, Post, RoleAssignment, Unit

ADMIN_READ_ONLY = _(
    "The organisation is managed on Pinzhi's own pages (%(url)s), which keep the tree "
    "consistent and record every change; this admin only shows it."
)
ADMIN_PERSON_ACTIVE_ONLY = _(
    "Here a superuser can only activate or deactivate a person. Units, posts, people, roles "
    "and sign-in codes are managed on Pinzhi's own pages (%(url)s)."
)
ADMIN_NO_PASSWORDS = _(
    "Nobody sets another person's password: issue a one-time sign-in code on the person's "
    "page, and they set their own."
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows the records; every write goes through the product's pages and services."""

    product_url_name = "orgs:tree"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _point_to_product(self, request):
        messages.info(request, ADMIN_READ_ONLY % {"url": reverse(self.product_url_name)})

    def changelist_view(self, request, extra_context=None):
        self._point_to_product(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._point_to_product(request)
        return super().change_view(request, object_id, form_url, extra_context)


PINZHI_FIELDS = ("full_name", "employee_no", "phone", "email", "company", "unit", "post", "roles")
ACCOUNT_FIELDS = ("is_staff", "is_superuser", "last_login", "date_joined")


@admin.register(Person)
class PersonAdmin(UserAdmin):
    """Superusers only: the active flag; everything else read-only, and no password form."""

    list_display = ["username", "full_name", "company", "unit", "is_active"]
    search_fields = ["username", "full_name", "employee_no", "phone"]
    list_filter = ["is_active", "is_superuser"]
    fieldsets = (
        (None, {"fields": ("username", "is_active")}),
        ("Pinzhi", {"fields": PINZHI_FIELDS}),
        (None, {"fields": ACCOUNT_FIELDS}),
    )
    readonly_fields = ("username", *PINZHI_FIELDS, *ACCOUNT_FIELDS)
    filter_horizontal = ()

    @admin.display(description=_("roles"))
    def roles(self, obj):
        """Roles are shown only: they are given on the person's page in Pinzhi (ORG-2)."""
        assignments = obj.role_assignments.prefetch_related("scope").order_by("role")
        return "; ".join(
            f"{a.get_role_display()} ({', '.join(u.code for u in a.scope.all()) or '—'})"
            for a in assignments
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        messages.info(request, ADMIN_PERSON_ACTIVE_ONLY % {"url": reverse("orgs:people")})
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Through the service, so that the change is recorded on the timeline (X-1)."""
        person = Person.objects.get(pk=obj.pk)
        services.person_update(
            person=person, actor=request.user, is_active=form.cleaned_data["is_active"]
        )

    def user_change_password(self, request, id, form_url=""):
        """Issue 6 item 4: no password form; to the person's page, where a sign-in code is
        issued."""
        person = self.get_object(request, unquote(id))
        if person is None:
            return redirect("admin:orgs_person_changelist")
        messages.warning(request, ADMIN_NO_PASSWORDS)
        return redirect("orgs:person_detail", pk=person.pk)


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "credit_code", "licence_valid_until", "operator"]
    product_url_name = "orgs:companies"


@admin.register(ContractorScope)
class ContractorScopeAdmin(ReadOnlyAdmin):
    list_display = ["contractor", "service", "categories"]
    product_url_name = "orgs:companies"


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["path", "name", "kind", "company"]


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["person", "role", "granted_at"]
    list_filter = ["role"]
    product_url_name = "orgs:people"
