from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from pinzhi.orgs.models import Company, Person, Post, RoleAssignment, Unit


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    filter_horizontal = ["scope"]


@admin.register(Person)
class PersonAdmin(UserAdmin):
    list_display = ["username", "full_name", "company", "unit", "is_active"]
    search_fields = ["username", "full_name", "employee_no", "phone"]
    fieldsets = UserAdmin.fieldsets + (
        ("Pinzhi", {"fields": ["full_name", "employee_no", "phone", "company", "unit", "post"]}),
    )
    inlines = [RoleAssignmentInline]


admin.site.register(Company)
admin.site.register(Unit, list_display=["path", "name", "kind", "company"])
admin.site.register(Post, list_display=["name", "unit"])
