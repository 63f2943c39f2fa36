"""Organisation pages (ORG-1, ORG-2, ORG-4): the tree, units and posts, people and their
roles, external companies, and the Excel import and export. Thin views: the access rule,
a form, one service; reads go through the scoped selectors."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page
from pinzhi.core.errors import refusal_response
from pinzhi.core.imports import import_batch_for, import_batch_read, import_error_report_response
from pinzhi.core.shell import Crumb, render_form_page
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.orgs import selectors, services, spreadsheets
from pinzhi.orgs.forms import (
    NO_COMPANY,
    CompanyChoiceForm,
    CompanyForm,
    ContractorScopeForm,
    ImportUploadForm,
    PersonForm,
    PostForm,
    RoleAssignForm,
    RoleRevokeForm,
    UnitForm,
)
from pinzhi.orgs.models import Company, Person, Post, RoleAssignment
from pinzhi.orgs.privacy import is_customer
from pinzhi.orgs.roles import Role

# Who may do what on these pages (ORG-2).
MANAGERS = (Role.QUALITY_DEPARTMENT,)
TREE_READERS = (
    Role.QUALITY_DEPARTMENT,
    Role.LEADERSHIP,
    Role.QUALITY_COMMITTEE,
    Role.DEPARTMENT_MANAGER,
    Role.SUPERVISOR,
    Role.UNIT_QUALITY_ADMIN,
    Role.INSPECTOR,
)
PEOPLE_READERS = (*TREE_READERS, Role.SERVICE_DESK)
COMPANY_READERS = (*TREE_READERS, Role.SUPERVISING_BODY)

SAVED = _("Saved.")
UNIT_CREATED = _("Unit %(name)s added.")
POST_CREATED = _("Post %(name)s added.")
PERSON_CREATED = _("%(name)s added.")
ROLE_ASSIGNED = _("Role %(role)s given to %(name)s.")
ROLE_REVOKED = _("Role %(role)s taken from %(name)s.")
COMPANY_CREATED = _("Company %(name)s registered.")
CODE_SENT = _(
    "A one-time sign-in code for %(name)s has been sent by e-mail to %(email)s; nobody else "
    "sees it."
)
CODE_ISSUED = _(
    "A one-time sign-in code for %(name)s has been issued: hand it over now, it is shown only "
    "this once."
)
ADD_UNIT = _("Add unit")
EDIT_UNIT = _("Edit unit")
ADD_POST = _("Add post")
EDIT_POST = _("Edit post")
ADD_PERSON = _("Add person")
EDIT_PERSON = _("Edit person")
ADD_ROLE = _("Add role")
ADD_ROLE_INTRO = _("Giving a role the person already holds replaces its scope.")
REMOVE_ROLE = _("Remove role")
ISSUE_CODE = _("Issue a sign-in code")
ISSUE_CODE_SUBMIT = _("Issue the code")
REGISTER_COMPANY = _("Register company")
EDIT_COMPANY = _("Edit company")
TREE = _("Organisation tree")
PEOPLE = _("People")
COMPANIES = _("Companies")
CONTRACTED_SERVICE = _("Contracted service")
CONTRACTED_SERVICE_INTRO = _(
    "The units this supplier serves and the complaint categories of its service: its people "
    "read those complaints, with the customers' personal data masked, and take no step."
)


def _tree_crumbs(unit=None) -> tuple[Crumb, ...]:
    crumbs: tuple[Crumb, ...] = (Crumb(reverse("orgs:tree"), TREE),)
    if unit is not None:
        crumbs += (Crumb(reverse("orgs:unit_detail", args=[unit.pk]), unit.name),)
    return crumbs


def _people_crumbs(person=None) -> tuple[Crumb, ...]:
    crumbs: tuple[Crumb, ...] = (Crumb(reverse("orgs:people"), PEOPLE),)
    if person is not None:
        crumbs += (Crumb(reverse("orgs:person_detail", args=[person.pk]), str(person)),)
    return crumbs


NOTHING_TO_EXPORT = _("You see no company whose organisation could be exported.")
NO_PENDING_IMPORT = _("No uploaded file is waiting (it may have expired): upload it again.")
IMPORT_DONE = _("Imported: %(units)d units, %(posts)d posts, %(people)d people created or updated.")
IMPORT_STALE = _("The data changed since the preview: check the new preview and confirm again.")
IMPORT_HAS_ERRORS = _("The file has errors; nothing was imported.")
IMPORT_ALREADY_DONE = _(
    "This file has already been imported (the confirmation was sent twice); nothing more "
    "was changed."
)
SESSION_KEY = "orgs_import_token"

PER_PAGE = 25


def _save(form, call):
    """Run a service; its validation errors land on the form. Returns the result or None."""
    try:
        return call()
    except DomainError as error:
        error.add_to_form(form)
        return None


def _form_view(request, form, *, save, done=None, refresh=None, **page) -> HttpResponse:
    """A create or edit page: a valid POST runs `save()` (one service call) and, when the
    service accepts, shows the message and goes to the address `done(result)` gives (an edit
    without `done`: "saved", back where Cancel leads). A refusal lands on the form, and
    `refresh` (the record the form edits) is read again. Otherwise the form page is shown with
    `page` (heading, cancel_url, crumbs)."""
    if request.method == "POST" and form.is_valid():
        result = _save(form, save)
        if result is not None:
            message, url = done(result) if done else (SAVED, page["cancel_url"])
            messages.success(request, message)
            return redirect(url)
        if refresh is not None:
            refresh.refresh_from_db()
    return render_form_page(request, form, **page)


# --- the tree and units ----------------------------------------------------------------


@page(*TREE_READERS)
def tree(request):
    """ORG-1: the organisation tree, as far as the reader's scope goes."""
    units = selectors.unit_tree(request.user)
    return render(
        request,
        "orgs/tree.html",
        {"units": units, "may_manage": selectors.may_manage_org(request.user)},
    )


def _unit_for(request, pk):
    return get_object_or_404(selectors.units_visible_to(request.user), pk=pk)


@page(*MANAGERS)
def unit_create(request):
    units = selectors.units_visible_to(request.user)
    initial = {"is_active": True}
    if request.GET.get("parent", "").isdigit():
        initial["parent"] = units.filter(pk=request.GET["parent"]).first()
    form = UnitForm(request.POST or None, units=units, initial=initial)

    def create():
        data = form.cleaned_data
        company = data["parent"].company if data["parent"] else request.user.company
        if company is None:
            raise DomainError(NO_COMPANY, field="parent")
        return services.unit_create(company=company, actor=request.user, **data)

    return _form_view(
        request,
        form,
        save=create,
        done=lambda unit: (
            UNIT_CREATED % {"name": unit.name},
            reverse("orgs:unit_detail", args=[unit.pk]),
        ),
        heading=ADD_UNIT,
        cancel_url=reverse("orgs:tree"),
        crumbs=_tree_crumbs(),
    )


@page(*TREE_READERS)
def unit_detail(request, pk):
    unit = _unit_for(request, pk)
    people = selectors.people_visible_to(request.user).filter(unit=unit).select_related("post")
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "posts": unit.posts.order_by("code"),
            "people": people.prefetch_related("role_assignments").order_by("username"),
            "children": selectors.unit_children(request.user, unit=unit),
            "may_manage": selectors.may_manage_org(request.user),
            "people_visible": request.user.is_superuser
            or bool(request.user.role_codes & set(PEOPLE_READERS)),
        },
    )


@page(*MANAGERS)
def unit_edit(request, pk):
    unit = _unit_for(request, pk)
    units = selectors.units_visible_to(request.user).filter(company=unit.company)
    form = UnitForm(
        request.POST or None,
        units=units.exclude(path__startswith=unit.path),
        initial={
            "parent": unit.parent,
            "kind": unit.kind,
            "code": unit.code,
            "name": unit.name,
            "is_quality_department": unit.is_quality_department,
            "is_active": unit.is_active,
        },
    )
    return _form_view(
        request,
        form,
        save=lambda: services.unit_update(unit=unit, actor=request.user, **form.cleaned_data),
        refresh=unit,
        heading=EDIT_UNIT,
        cancel_url=reverse("orgs:unit_detail", args=[unit.pk]),
        crumbs=_tree_crumbs(unit),
    )


@page(*MANAGERS)
def post_create(request, pk):
    unit = _unit_for(request, pk)
    form = PostForm(request.POST or None)
    return _form_view(
        request,
        form,
        save=lambda: services.post_create(unit=unit, actor=request.user, **form.cleaned_data),
        done=lambda post: (
            POST_CREATED % {"name": post.name},
            reverse("orgs:unit_detail", args=[unit.pk]),
        ),
        heading=ADD_POST,
        cancel_url=reverse("orgs:unit_detail", args=[unit.pk]),
        crumbs=_tree_crumbs(unit),
    )


@page(*MANAGERS)
def post_edit(request, pk):
    post = get_object_or_404(
        Post.objects.filter(unit__in=selectors.units_visible_to(request.user)), pk=pk
    )
    form = PostForm(
        request.POST or None,
        initial={"code": post.code, "name": post.name, "duties": post.duties},
    )
    return _form_view(
        request,
        form,
        save=lambda: services.post_update(post=post, actor=request.user, **form.cleaned_data),
        heading=EDIT_POST,
        cancel_url=reverse("orgs:unit_detail", args=[post.unit_id]),
        crumbs=_tree_crumbs(post.unit),
    )


# --- people ----------------------------------------------------------------------------


@page(*PEOPLE_READERS)
def people(request):
    """ORG-1/ORG-2: people the reader's scope covers; customers' data masked (ORG-3)."""
    filters = selectors.people_filtered(request.user, request.GET)
    page_obj = Paginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/people.html",
        {
            "page_obj": page_obj,
            "filters": filters,
            "may_manage": selectors.may_manage_org(request.user),
        },
    )


def _person_for(request, pk) -> Person:
    return get_object_or_404(selectors.people_visible_to(request.user), pk=pk)


def _managed_person_for(request, pk) -> Person:
    """A person the manager may change: never a superuser, unless the manager is one (a
    sign-in code must not hand over a superuser account)."""
    people = selectors.people_visible_to(request.user)
    if not request.user.is_superuser:
        people = people.exclude(is_superuser=True)
    return get_object_or_404(people, pk=pk)


def _refused(request, person: Person):
    """Issue 6 item 4: back to the person's page with the reason when they rank above the
    manager; None when the manager may change them."""
    try:
        services.check_may_change_person(actor=request.user, person=person)
    except services.OrgChangeNotAllowed as error:
        return refusal_response(request, error, to=reverse("orgs:person_detail", args=[person.pk]))
    return None


def _code_issued(request, person: Person, issued) -> HttpResponse:
    """The one page that shows a sign-in code: rendered in answer to the POST that issued
    it (never stored, never redirected to), and not cached (issue 6 item 4)."""
    set_url = reverse("core:password_set") + "?" + urlencode({"username": person.username})
    return render(
        request,
        "orgs/code_issued.html",
        {
            "person": person,
            "code": issued.display,
            "expires_at": issued.reset.expires_at,
            "set_url": request.build_absolute_uri(set_url),
        },
    )


@page(*PEOPLE_READERS)
def person_detail(request, pk):
    person = _person_for(request, pk)
    may_manage = selectors.may_manage_org(request.user)
    may_change = (
        may_manage
        and (request.user.is_superuser or not person.is_superuser)
        and services.may_change_person(actor=request.user, person=person)
    )
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "assignments": selectors.person_assignments(person),
            "may_manage": may_manage,
            # Issue 6 item 4: nobody changes a person ranking above them.
            "may_change": may_change,
            "may_issue_code": may_change and person.pk != request.user.pk and person.is_active,
            "open_code": selectors.person_open_code(person) if may_change else None,
            # The unit page is for tree readers; others (the service desk) see its name.
            "may_open_unit": person.unit_id is not None
            and selectors.units_visible_to(request.user).filter(pk=person.unit_id).exists()
            and (request.user.is_superuser or bool(request.user.role_codes & set(TREE_READERS))),
            # ORG-3: a customer's record shows in full only to those who manage it.
            "may_see": may_manage or person.pk == request.user.pk or not is_customer(person),
        },
    )


@page(*MANAGERS)
def person_create(request):
    """ORG-1: add a person, without a password; the answer shows the one-time sign-in code
    with which they set their own (issue 6 item 4)."""
    units = selectors.units_visible_to(request.user)
    initial = {"is_active": True}
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = units.filter(pk=request.GET["unit"]).first()
    form = PersonForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        company = data["unit"].company if data["unit"] else request.user.company

        def create():
            person = services.person_create(company=company, actor=request.user, **data)
            issued = None
            if person.is_active:
                issued = services.password_reset_issue(person=person, actor=request.user)
            return person, issued

        created = _save(form, create)
        if created is not None:
            person, issued = created
            messages.success(request, PERSON_CREATED % {"name": person.full_name})
            if issued is None:
                return redirect("orgs:person_detail", pk=person.pk)
            if issued.sent_to:
                messages.success(request, CODE_SENT % {"name": person, "email": issued.sent_to})
                return redirect("orgs:person_detail", pk=person.pk)
            return _code_issued(request, person, issued)
    return render_form_page(
        request,
        form,
        heading=ADD_PERSON,
        cancel_url=reverse("orgs:people"),
        crumbs=_people_crumbs(),
    )


@page(*MANAGERS)
def person_edit(request, pk):
    person = _managed_person_for(request, pk)
    if (refusal := _refused(request, person)) is not None:
        return refusal
    units = selectors.units_visible_to(request.user)
    initial = {
        name: getattr(person, name)
        for name in ("username", "full_name", "employee_no", "unit", "post", "phone", "email")
    }
    initial["is_active"] = person.is_active
    form = PersonForm(request.POST or None, units=units, person=person, initial=initial)

    def update():
        data = dict(form.cleaned_data)
        data.pop("username")
        return services.person_update(person=person, actor=request.user, **data)

    return _form_view(
        request,
        form,
        save=update,
        refresh=person,
        heading=EDIT_PERSON,
        cancel_url=reverse("orgs:person_detail", args=[person.pk]),
        crumbs=_people_crumbs(person),
    )


@page(*MANAGERS)
def role_add(request, pk):
    """ORG-2: give a person a role with its scope, chosen from the manager's visible tree."""
    person = _managed_person_for(request, pk)
    if (refusal := _refused(request, person)) is not None:
        return refusal
    units = selectors.units_visible_to(request.user)
    initial = {"scope": [person.unit]} if person.unit_id else {}
    form = RoleAssignForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        assignment = _save(
            form,
            lambda: services.role_assign(
                person=person,
                role=role,
                scope=list(form.cleaned_data["scope"]),
                actor=request.user,
            ),
        )
        if assignment is not None:
            messages.success(
                request,
                ROLE_ASSIGNED % {"role": assignment.get_role_display(), "name": person},
            )
            return redirect("orgs:person_detail", pk=person.pk)
    return render_form_page(
        request,
        form,
        heading=ADD_ROLE,
        intro=ADD_ROLE_INTRO,
        cancel_url=reverse("orgs:person_detail", args=[person.pk]),
        crumbs=_people_crumbs(person),
    )


@page(*MANAGERS)
def role_remove(request, pk, role):
    """ORG-2: take a role away, after a confirmation step."""
    person = _managed_person_for(request, pk)
    if (refusal := _refused(request, person)) is not None:
        return refusal
    assignment = get_object_or_404(RoleAssignment, person=person, role=role)
    form = RoleRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _save(
            form,
            lambda: (
                services.role_revoke(
                    person=person, role=role, actor=request.user, reason=form.cleaned_data["reason"]
                )
                or True
            ),
        )
        if done:
            messages.success(
                request, ROLE_REVOKED % {"role": assignment.get_role_display(), "name": person}
            )
            return redirect("orgs:person_detail", pk=person.pk)
    return render_form_page(
        request,
        form,
        heading=REMOVE_ROLE,
        cancel_url=reverse("orgs:person_detail", args=[person.pk]),
        crumbs=_people_crumbs(person),
        submit_label=REMOVE_ROLE,
        submit_style="danger",
        template="orgs/role_remove.html",
        person=person,
        assignment=assignment,
    )


@page(*MANAGERS)
def person_code(request, pk):
    """Issue 6 item 4: instead of setting a person's password, issue them a one-time
    sign-in code, after a confirmation step; the code is shown once."""
    person = _managed_person_for(request, pk)
    if (refusal := _refused(request, person)) is not None:
        return refusal
    if request.method == "POST":
        try:
            issued = services.password_reset_issue(person=person, actor=request.user)
        except DomainError as error:
            return refusal_response(
                request, error, to=reverse("orgs:person_detail", args=[person.pk])
            )
        if issued.sent_to:
            messages.success(request, CODE_SENT % {"name": person, "email": issued.sent_to})
            return redirect("orgs:person_detail", pk=person.pk)
        messages.success(request, CODE_ISSUED % {"name": person})
        return _code_issued(request, person, issued)
    return render_form_page(
        request,
        None,
        heading=ISSUE_CODE,
        cancel_url=reverse("orgs:person_detail", args=[person.pk]),
        crumbs=_people_crumbs(person),
        submit_label=ISSUE_CODE_SUBMIT,
        submit_style="warning",
        submit_testid="issue-code",
        template="orgs/code_confirm.html",
        person=person,
        open_code=selectors.person_open_code(person),
    )


# --- companies (ORG-4) -----------------------------------------------------------------


@page(*COMPANY_READERS)
def companies(request):
    """ORG-4: companies with their registration data; licences expired or expiring soon
    stand out."""
    filters = selectors.companies_filtered(request.user, request.GET)
    page_obj = Paginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    today, warnings = now().date(), {}
    for company in page_obj:
        company.licence_state = selectors.licence_status(company, today=today, warnings=warnings)
    return render(
        request,
        "orgs/companies.html",
        {
            "page_obj": page_obj,
            "filters": filters,
            "may_manage": selectors.may_manage_org(request.user),
        },
    )


def _company_for(request, pk) -> Company:
    return get_object_or_404(selectors.companies_visible_to(request.user), pk=pk)


@page(*COMPANY_READERS)
def company_detail(request, pk):
    company = _company_for(request, pk)
    return render(
        request,
        "orgs/company_detail.html",
        {
            "company": company,
            "licence_state": selectors.licence_status(company),
            "units": selectors.units_visible_to(request.user).filter(company=company),
            "may_manage": selectors.may_manage_org(request.user),
            "contractor_scopes": _with_category_labels(company),
        },
    )


@page(*MANAGERS)
def company_create(request):
    form = CompanyForm(request.POST or None, initial={"kind": Company.Kind.SUPPLIER})
    return _form_view(
        request,
        form,
        save=lambda: services.company_create(
            actor=request.user, operator=request.user.company, **form.cleaned_data
        ),
        done=lambda company: (
            COMPANY_CREATED % {"name": company.name},
            reverse("orgs:company_detail", args=[company.pk]),
        ),
        heading=REGISTER_COMPANY,
        cancel_url=reverse("orgs:companies"),
        crumbs=(Crumb(reverse("orgs:companies"), COMPANIES),),
    )


@page(*MANAGERS)
def company_edit(request, pk):
    company = _company_for(request, pk)
    form = CompanyForm(request.POST or None, instance=company)
    return _form_view(
        request,
        form,
        save=lambda: services.company_update(
            company=company, actor=request.user, **form.cleaned_data
        ),
        refresh=company,
        heading=EDIT_COMPANY,
        cancel_url=reverse("orgs:company_detail", args=[company.pk]),
        crumbs=(Crumb(reverse("orgs:companies"), COMPANIES),),
    )


def _with_category_labels(company: Company) -> list:
    labels = dict(selectors.service_categories())
    scopes = list(company.contractor_scopes.prefetch_related("units"))
    for scope in scopes:
        scope.category_labels = [  # type: ignore[attr-defined]
            str(labels.get(code, code)) for code in scope.categories
        ]
    return scopes


@page(*MANAGERS)
def contractor_scope(request, pk):
    """ORG-2, issue 8 item 6: the quality department sets what a supplier is contracted for
    (units served, complaint categories); its people then read those complaints, masked."""
    company = _company_for(request, pk)
    existing = company.contractor_scopes.prefetch_related("units").first()
    initial = {}
    if existing is not None:
        initial = {
            "service": existing.service,
            "units": list(existing.units.all()),
            "categories": existing.categories,
        }
    form = ContractorScopeForm(request.POST or None, initial=initial, contractor=company)
    return _form_view(
        request,
        form,
        save=lambda: services.contractor_scope_set(
            contractor=company, actor=request.user, **form.cleaned_data
        ),
        heading=CONTRACTED_SERVICE,
        intro=CONTRACTED_SERVICE_INTRO,
        cancel_url=reverse("orgs:company_detail", args=[company.pk]),
        crumbs=(
            Crumb(reverse("orgs:companies"), COMPANIES),
            Crumb(reverse("orgs:company_detail", args=[company.pk]), company.name),
        ),
    )


# --- Excel export and import -----------------------------------------------------------


def _org_companies(user):
    """Companies whose organisation the user sees some of (for export and import)."""
    return selectors.companies_visible_to(user).filter(
        Q(pk__in=selectors.units_visible_to(user).values("company")) | Q(pk=user.company_id)
    )


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@page(*TREE_READERS)
def transfer(request):
    """Excel import and export of the organisation (X-4)."""
    companies = _org_companies(request.user)
    return render(
        request,
        "orgs/transfer.html",
        {
            "export_form": CompanyChoiceForm(
                companies=companies, initial={"company": request.user.company}
            ),
            "companies": companies,
            "may_manage": selectors.may_manage_org(request.user),
            "upload_form": ImportUploadForm(
                companies=companies,
                default=companies.filter(pk=request.user.company_id).first(),
            )
            if selectors.may_manage_org(request.user)
            else None,
        },
    )


@page(*TREE_READERS)
def export(request):
    """X-4: the units, posts and people the exporter sees, as one .xlsx (ORG-3 masked)."""
    companies = _org_companies(request.user)
    form = CompanyChoiceForm(request.GET or None, companies=companies)
    company = form.cleaned_data.get("company") if form.is_valid() else None
    company = company or companies.filter(pk=request.user.company_id).first() or companies.first()
    if company is None:
        messages.error(request, NOTHING_TO_EXPORT)
        return redirect("orgs:transfer")
    content = spreadsheets.org_workbook_export(user=request.user, company=company)
    stamp = now().strftime("%Y%m%d")
    return _xlsx(content, f"organisation-{company.pk}-{stamp}.xlsx")


@page(*MANAGERS)
def import_template(request):
    return _xlsx(spreadsheets.org_workbook_template(), "organisation-template.xlsx")


@page(*MANAGERS)
def import_upload(request):
    """Upload a workbook; it is kept under a random token until confirmed."""
    companies = _org_companies(request.user)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        companies=companies,
        default=companies.filter(pk=request.user.company_id).first(),
    )
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        company = form.cleaned_data["company"]
        plan = spreadsheets.org_import_plan(user=request.user, company=company, content=content)
        previous = spreadsheets.org_import_pending(
            owner=request.user, token=request.session.get(SESSION_KEY)
        )
        if previous is not None:
            spreadsheets.org_import_discard(pending=previous)
        pending = spreadsheets.org_import_stash(
            owner=request.user,
            company=company,
            filename=form.cleaned_data["file"].name,
            content=content,
            plan_digest=plan.digest,
            plan=plan,
        )
        request.session[SESSION_KEY] = pending.token
        return redirect("orgs:import_preview")
    return render(request, "orgs/import_upload.html", {"form": form})


def _pending(request):
    return spreadsheets.org_import_pending(
        owner=request.user, token=request.session.get(SESSION_KEY)
    )


@page(*MANAGERS)
def import_preview(request):
    """What the uploaded file would change, and every error with sheet, row and column."""
    pending = _pending(request)
    if pending is None:
        messages.info(request, NO_PENDING_IMPORT)
        return redirect("orgs:import_upload")
    if pending.plan:
        # Planned at upload; the confirmation plans again against the data as it is then.
        plan = spreadsheets.plan_from_summary(pending.plan)
    else:
        plan = spreadsheets.org_import_plan(
            user=request.user,
            company=pending.company,
            content=import_batch_read(pending),
        )
        spreadsheets.org_import_replan(pending=pending, plan=plan)
    return render(
        request,
        "orgs/import_preview.html",
        {"plan": plan, "pending": pending},
    )


@page(*MANAGERS)
def import_confirm(request):
    """Import the previewed file in one transaction, or nothing (ORG-1, ORG-2)."""
    if request.method != "POST":
        return redirect("orgs:import_preview")
    pending = _pending(request)
    if pending is None:
        messages.info(request, NO_PENDING_IMPORT)
        return redirect("orgs:import_upload")
    if request.POST.get("digest") != pending.meta.get("digest"):
        messages.warning(request, IMPORT_STALE)
        return redirect("orgs:import_preview")
    try:
        plan = spreadsheets.org_import_confirm(
            user=request.user, pending=pending, expected_digest=pending.meta.get("digest", "")
        )
    except spreadsheets.ImportAlreadyDone:
        request.session.pop(SESSION_KEY, None)
        messages.info(request, IMPORT_ALREADY_DONE)
        return redirect("orgs:tree")
    except spreadsheets.ImportRejected as rejected:
        # The preview shows the plan made now, and only that one can be confirmed.
        spreadsheets.org_import_replan(pending=pending, plan=rejected.plan)
        messages.error(request, IMPORT_STALE if rejected.stale else IMPORT_HAS_ERRORS)
        return redirect("orgs:import_preview")
    request.session.pop(SESSION_KEY, None)
    counts = {sheet.format.key: sheet.to_create + sheet.to_update for sheet in plan.sheets}
    messages.success(request, IMPORT_DONE % counts)
    return redirect("orgs:tree")


@page(*MANAGERS)
def import_cancel(request):
    if request.method != "POST":
        return redirect("orgs:import_preview")
    pending = _pending(request)
    if pending is not None:
        spreadsheets.org_import_discard(pending=pending)
    request.session.pop(SESSION_KEY, None)
    return redirect("orgs:transfer")


@page(*MANAGERS)
def import_errors(request, token: str):
    """The import's problems as an .xlsx error report: line, column, value, reason (issue 7
    item 3); another company's batch is not found."""
    return import_error_report_response(
        import_batch_for(request.user, token=token, kind=spreadsheets.KIND)
    )
