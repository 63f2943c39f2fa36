"""The two-company access matrix (issue 6 item 11, ORG-2): every URL with parameters, filled
with an object of company A, requested as every role of company A and of company B.

- Company B never reaches A's object: 403 (the page rule) or 404 (not B's), never 200, never
  a redirect; the answer shows none of A's data (CompanyData.markers) and nothing is written
  (no INSERT, UPDATE or DELETE but the session's). Objects every company shares by design (a
  policy pack's rules, `shared`) B's people get as A's do, but without A's data in them.
- Company A gets what the page rule says: a refused role 403; an allowed role 200 on GET (a
  redirect does not count, except where the target names the redirect and why), and on POST
  with an empty body the view's own answer: 200 or 400 (the form and its errors) or a redirect
  within the site that is not home or sign-in. 404 only where the target says why the
  object's own scope is narrower than the page rule.
- Every parameterised URL has an entry in URL_OBJECTS, PUBLIC_URLS or TOKEN_URLS; a new one
  without fails `test_every_parameterised_url_has_an_object`, so this is kept from now on.

Matrix size: 1,742 cases of (URL, role, company, method): 48 URLs with parameters behind a
page rule, filled with company A's objects, 67 (object, method) pairs × 13 roles × 2
companies. Besides: 104 cases of A's objects in the query strings of 8 pages (× B's 13 roles),
2 of the public QR-code form (GET, POST) and 4 of the API by token (A's and B's token, on a
complaint and on the list)."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pinzhi.core.access import PUBLIC, user_may
from pinzhi.core.tests.companies import CompanyData
from pinzhi.core.tests.test_access_matrix import PAGES, page_text
from pinzhi.orgs.roles import STAFF_ROLES, Role

GET, POST = "GET", "POST"
EVERY_METHOD = (GET, POST)
# Roles of company A that see the company's own tree but not its external companies.
SCOPED = frozenset(
    {Role.DEPARTMENT_MANAGER, Role.SUPERVISOR, Role.UNIT_QUALITY_ADMIN, Role.INSPECTOR}
)
# Roles of company A that may not open a complaint.
NOT_ON_THE_CASE = frozenset({Role.CUSTOMER, Role.SUPPLIER, Role.SUPERVISING_BODY})


@dataclass(frozen=True)
class Target:
    """How to fill a URL with company A's object, for a person holding `role`."""

    kwargs: Callable[[CompanyData, str], dict]
    methods: tuple[str, ...] = (GET,)
    label: str = ""
    # Roles of company A the page rule lets in but the object's own scope refuses (404).
    out_of_scope: frozenset = frozenset()
    out_of_scope_reason: str = ""
    # A GET that redirects an allowed role as the page's documented flow: (why, where to).
    get_redirect: tuple[str, Callable[[CompanyData, str], str]] | None = None
    # Why the object is shared by every company by design: then B's people get it as A's
    # do, but never with A's data in it.
    shared: str = ""


# Rectification (issue 10): a supplier's people see the findings of their own service's checks.
NOT_A_SUPPLIERS = frozenset({Role.SUPPLIER})
SUPPLIER_REASON = "NCR-5: a supplier sees only the findings of the checks of its own service"

SHARED_RULES = (
    "STD-5: a policy pack's rules are the same for every company; each company's values and "
    "amendments of them are its own (issue 6 item 2)"
)


def _pk(name: str) -> Callable[[CompanyData, str], dict]:
    return lambda a, role: {"pk": a[name].pk}


def _complaint(a, role):
    return {"pk": a["complaint"].pk}


def _own_notification(a, role):
    """Each person opens their own notification; B's people try A's person of their role."""
    return {"pk": a["notifications"][role].pk}


def _own_export(a, role):
    """Each person opens their own export (issue 9 item 4); B's people try A's person of
    their role's."""
    return {"token": a["exports"][role].token}


def _calendar(a, role):
    return {"pk": a["calendar"].pk}


def _batch(a, role):
    """A's checked complaint import batch (a row of the database: each request's writes
    are rolled back)."""
    return {"token": a["import_batch"].token}


_NOT_THEIR_CONTRACT = (
    "NCR-5: a supplier's people read only the contracts of their own company, and A's person "
    "of the supplier role belongs to A itself"
)


def _supplier_month(a, role):
    return {"pk": a["supplier_contract"].pk, "month": f"{a['supplier_evaluation'].month:%Y-%m}"}


# URL name → how to fill it with company A's object (one Target, or several for URLs that
# take objects of different kinds).
URL_OBJECTS: dict[str, Target | tuple[Target, ...]] = {
    # --- orgs (ORG-1, ORG-2, ORG-4) ---------------------------------------------------
    "orgs:unit_detail": Target(lambda a, r: {"pk": a.kf.pk}),
    "orgs:unit_edit": Target(lambda a, r: {"pk": a.kf.pk}, EVERY_METHOD),
    "orgs:post_create": Target(lambda a, r: {"pk": a.kf.pk}, EVERY_METHOD),
    "orgs:post_edit": Target(_pk("post"), EVERY_METHOD),
    "orgs:person_detail": Target(_pk("person")),
    "orgs:person_edit": Target(_pk("person"), EVERY_METHOD),
    "orgs:person_code": Target(_pk("person"), EVERY_METHOD),
    "orgs:role_add": Target(_pk("person"), EVERY_METHOD),
    "orgs:role_remove": Target(
        lambda a, r: {"pk": a["person"].pk, "role": Role.SERVICE_STAFF.value}, EVERY_METHOD
    ),
    "orgs:company_detail": (
        Target(lambda a, r: {"pk": a.company.pk}, label="own"),
        Target(
            _pk("supplier"),
            label="supplier",
            out_of_scope=SCOPED | {Role.SUPERVISING_BODY},
            out_of_scope_reason="ORG-4: an external company is seen by the company-wide "
            "roles of its operator, not by roles scoped to units",
        ),
    ),
    "orgs:import_errors": Target(lambda a, r: {"token": a["org_import_batch"].token}),
    # --- core: exports written by a worker (issue 9 item 4) ------------------------------
    "core:export_job": Target(_own_export),
    "core:export_status": Target(_own_export),
    "core:export_download": Target(_own_export),
    "orgs:company_edit": (
        Target(lambda a, r: {"pk": a.company.pk}, EVERY_METHOD, label="own"),
        Target(_pk("supplier"), EVERY_METHOD, label="supplier"),
    ),
    "orgs:contractor_scope": Target(_pk("supplier"), EVERY_METHOD, label="supplier"),
    # --- policy (STD-5) -----------------------------------------------------------------
    "policy:detail": Target(_pk("rule"), shared=SHARED_RULES),
    "policy:propose": Target(
        _pk("rule"),
        EVERY_METHOD,
        get_redirect=(
            "the proposal form lives on the rule page; a GET goes there",
            lambda a, r: reverse("policy:detail", args=[a["rule"].pk]),
        ),
        shared=SHARED_RULES,
    ),
    "policy:amendment_review": Target(_pk("amendment"), EVERY_METHOD),
    "policy:amendment_approve": Target(_pk("amendment"), EVERY_METHOD),
    "policy:amendment_reject": Target(_pk("amendment"), EVERY_METHOD),
    "policy:amendment_withdraw": Target(_pk("amendment"), EVERY_METHOD),
    # --- workflows (issue 7 item 1) -------------------------------------------------------
    "core:workflow": Target(
        lambda a, r: {"name": "complaint"},
        shared="issue 7 item 1: a workflow is declared once in the code, the same for every "
        "company; its diagram holds no company's data",
    ),
    # --- timeline (X-1) -------------------------------------------------------------------
    "timeline:attachment_download": Target(
        _pk("attachment"),
        out_of_scope=NOT_ON_THE_CASE,
        out_of_scope_reason="X-1: who may not open the case may not download its files",
    ),
    # --- deadlines (X-5) ------------------------------------------------------------------
    "deadlines:calendar": Target(_calendar),
    "deadlines:calendar_hours": Target(_calendar, (POST,)),
    "deadlines:calendar_import": Target(_calendar, (POST,)),
    "deadlines:calendar_import_errors": Target(
        lambda a, r: {"pk": a["calendar"].pk, "token": a["calendar_import_batch"].token}
    ),
    "deadlines:calendar_day_add": Target(_calendar, (POST,)),
    "deadlines:calendar_day_remove": Target(
        lambda a, r: {"pk": a["calendar"].pk, "day": a["calendar_day"].pk}, (POST,)
    ),
    "deadlines:calendar_rule": Target(_calendar, (POST,)),
    # --- notify (X-3) ---------------------------------------------------------------------
    "notify:open": Target(
        _own_notification,
        get_redirect=(
            "opening a notification marks it read and follows its link",
            lambda a, r: a["notifications"][r].url,
        ),
    ),
    "notify:read": Target(_own_notification, (POST,)),
    "notify:webhook_edit": Target(_pk("webhook"), EVERY_METHOD),
    "notify:webhook_set_active": Target(_pk("webhook"), (POST,)),
    "notify:webhook_test": Target(_pk("webhook"), (POST,)),
    # --- complaints (CMP-1 … CMP-9) ---------------------------------------------------------
    "complaints:detail": Target(
        _complaint,
        out_of_scope=frozenset({Role.SUPPLIER}),
        out_of_scope_reason="ORG-2, issue 8 item 6: a supplier opens only the complaints about "
        "the service its company is contracted for; A's supplier has none",
    ),
    "complaints:act": Target(lambda a, r: {"pk": a["complaint"].pk, "action": "callback"}, (POST,)),
    "complaints:escalation_answer": Target(
        lambda a, r: {"pk": a["complaint"].pk, "escalation_pk": a["escalation"].pk}, (POST,)
    ),
    "complaints:attachment_upload": Target(_complaint, (POST,)),
    "complaint_print:record": Target(_complaint),
    "complaint_print:handling": Target(_complaint),
    "complaint_print:letter": Target(_pk("letter")),
    "repeats:analyse": Target(_pk("repeat_group"), (POST,)),
    "complaint_import:mapping": Target(_batch, EVERY_METHOD),
    "complaint_import:check": Target(_batch),
    "complaint_import:start": Target(_batch, (POST,)),
    "complaint_import:progress": Target(_batch),
    "complaint_import:status": Target(_batch),
    "complaint_import:errors": Target(_batch),
    # --- api (staff page) -------------------------------------------------------------------
    "api:token_revoke": Target(_pk("api_token"), EVERY_METHOD),
    # --- portal: a signed-in customer's own complaints (issue 8 item 6) ------------------
    "portal:my_complaint": Target(
        _complaint,
        out_of_scope=frozenset({Role.CUSTOMER}),
        out_of_scope_reason="issue 8 item 6: a customer opens only their own account's "
        "complaints, and A's complaint belongs to no account",
    ),
    # --- checklist templates (INS-4) ------------------------------------------------------
    "checklists:template": Target(_pk("checklist")),
    "checklists:edit": Target(_pk("checklist"), EVERY_METHOD),
    "checklists:draft": Target(_pk("checklist"), EVERY_METHOD),
    "checklists:import": Target(_pk("checklist"), EVERY_METHOD),
    "checklists:import_errors": Target(
        lambda a, r: {"pk": a["checklist"].pk, "token": a["checklist_import_batch"].token}
    ),
    "checklists:version": (
        Target(_pk("checklist_draft"), label="draft"),
        Target(_pk("checklist_published"), label="published"),
    ),
    "checklists:export": Target(_pk("checklist_published")),
    "checklists:publish": Target(_pk("checklist_draft"), EVERY_METHOD),
    "checklists:retire": Target(_pk("checklist_published"), EVERY_METHOD),
    "checklists:discard": Target(_pk("checklist_draft"), EVERY_METHOD),
    "checklists:item_create": Target(_pk("checklist_draft"), EVERY_METHOD),
    "checklists:item_edit": Target(_pk("checklist_item"), EVERY_METHOD),
    "checklists:item_remove": Target(_pk("checklist_follow_up"), EVERY_METHOD),
    "checklists:item_move": Target(_pk("checklist_item"), (POST,)),
    # --- inspections: plans, schedules, tasks, draws (INS-1, INS-3, INS-6) ---------------
    "planning:plan_detail": Target(_pk("plan")),
    "planning:plan_entry_add": Target(_pk("plan"), (POST,)),
    "planning:plan_step": Target(lambda a, r: {"pk": a["plan"].pk, "action": "submit"}, (POST,)),
    "planning:plan_entry_remove": Target(_pk("plan_entry"), (POST,)),
    "planning:schedule_detail": Target(_pk("schedule")),
    "planning:schedule_stop": Target(_pk("schedule"), (POST,)),
    "planning:task_assign": Target(_pk("task"), EVERY_METHOD),
    "planning:task_cancel": Target(_pk("task"), EVERY_METHOD),
    "planning:draw_detail": Target(_pk("draw")),
    # --- rectification (issue 10, NCR-1 … NCR-4) ----------------------------------------------
    "rectification:detail": Target(
        _pk("nonconformity"), out_of_scope=NOT_A_SUPPLIERS, out_of_scope_reason=SUPPLIER_REASON
    ),
    "rectification:act": Target(
        lambda a, r: {"pk": a["nonconformity"].pk, "action": "report_fix"},
        (POST,),
        out_of_scope=NOT_A_SUPPLIERS,
        out_of_scope_reason=SUPPLIER_REASON,
    ),
    "rectification:work_order_pdf": Target(
        _pk("nonconformity"), out_of_scope=NOT_A_SUPPLIERS, out_of_scope_reason=SUPPLIER_REASON
    ),
    "rectification:supervision_detail": Target(_pk("supervision_order")),
    "rectification:supervision_pdf": Target(_pk("supervision_order")),
    "rectification:stage_complete": Target(
        lambda a, r: {"pk": a["supervision_order"].stages.get().pk}, (POST,)
    ),
    "rectification:capa_detail": Target(_pk("capa")),
    "rectification:capa_act": Target(
        lambda a, r: {"pk": a["capa"].pk, "action": "accept"}, (POST,)
    ),
    # --- suppliers (NCR-5) -------------------------------------------------------------------
    "suppliers:contract": Target(
        _pk("supplier_contract"),
        out_of_scope=frozenset({Role.SUPPLIER}),
        out_of_scope_reason=_NOT_THEIR_CONTRACT,
    ),
    "suppliers:contract_edit": Target(_pk("supplier_contract"), EVERY_METHOD),
    "suppliers:month": Target(
        _supplier_month,
        out_of_scope=frozenset({Role.SUPPLIER}),
        out_of_scope_reason=_NOT_THEIR_CONTRACT,
    ),
    "suppliers:month_compute": Target(_supplier_month, (POST,)),
    "suppliers:evaluation_step": Target(
        lambda a, r: {"pk": a["supplier_evaluation"].pk, "action": "review"}, (POST,)
    ),
    "suppliers:deduction_correct": Target(_pk("supplier_deduction"), EVERY_METHOD),
    # --- standards (issue 10, STD-1 … STD-4) -----------------------------------------------
    "standards:detail": Target(_pk("standard")),
    "standards:revise": Target(_pk("standard"), EVERY_METHOD),
    "standards:version": Target(_pk("standard_draft")),
    "standards:version_edit": Target(_pk("standard_draft"), EVERY_METHOD),
    "standards:step": Target(
        lambda a, r: {"pk": a["standard_draft"].pk, "action": "open_comments"}, EVERY_METHOD
    ),
    "standards:sla_edit": Target(_pk("sla"), EVERY_METHOD),
    "standards:commitment_edit": Target(_pk("commitment"), EVERY_METHOD),
    "standards:commitment_publish": Target(_pk("commitment"), EVERY_METHOD),
    "standards:commitment_withdraw": Target(_pk("commitment"), EVERY_METHOD),
}

# --- inspections: conducting and reporting (INS-5, INS-7, INS-8) -----------------------------
_NOT_A_SUPPLIERS_CHECK = dict(
    out_of_scope=frozenset({Role.SUPPLIER}),
    out_of_scope_reason="INS-2: a supplier sees only the checks of its contracted service",
)
URL_OBJECTS.update(
    {
        "inspections:detail": Target(_pk("reported_inspection"), **_NOT_A_SUPPLIERS_CHECK),
        "inspections:report": Target(
            _pk("reported_inspection"), EVERY_METHOD, **_NOT_A_SUPPLIERS_CHECK
        ),
        "inspections:report_pdf": Target(_pk("reported_inspection"), **_NOT_A_SUPPLIERS_CHECK),
        "inspections:checklist_pdf": Target(_pk("reported_inspection"), **_NOT_A_SUPPLIERS_CHECK),
        "inspections:start": Target(_pk("inspection"), (POST,)),
        "inspections:answer": Target(_pk("inspection"), (POST,)),
        "inspections:photo": Target(_pk("inspection"), (POST,)),
        "inspections:signature": Target(_pk("inspection"), (POST,)),
        "inspections:notes": Target(_pk("inspection"), (POST,)),
        "inspections:submit": Target(_pk("inspection"), (POST,)),
        "inspections:confirm": Target(
            lambda a, role: {"pk": a["inspection"].pk, "answer_pk": a["failed_answer"].pk},
            (POST,),
            out_of_scope=frozenset({Role.SUPPLIER, Role.SUPERVISING_BODY}),
            out_of_scope_reason="INS-2: an inspection in progress is not shown to a supplier "
            "of another service nor to the supervising body before it is reported",
        ),
    }
)

# --- assessment, part F: quality archives (ASM-11) ----------------------------------------
URL_OBJECTS.update(
    {
        "assessment:archive": Target(lambda a, r: {"pk": a.people[Role.SERVICE_STAFF.value].pk}),
        "assessment:archive_pdf": Target(
            lambda a, r: {"pk": a.people[Role.SERVICE_STAFF.value].pk}
        ),
    }
)


def _location_token(a, role):
    from pinzhi.portal.selectors import location_token

    return {"token": location_token(a.estate)}


# --- assessment, part E: service stars and the notice board (ASM-6, ASM-7) -------------------
URL_OBJECTS.update(
    {
        "assessment:board_month": Target(
            lambda a, r: {"month": f"{a['service_star'].month:%Y-%m}"},
            shared="ASM-7: a month is every company's; each company's board shows its own "
            "stars and ratings",
        ),
        "assessment:star_name": Target(
            lambda a, r: {"unit": a.kf.pk, "month": f"{a['service_star'].month:%Y-%m}"},
            EVERY_METHOD,
        ),
        "assessment:star_withdraw": Target(_pk("service_star"), EVERY_METHOD),
    }
)

# Public pages with parameters: anyone may open them, by design.
PUBLIC_URLS: dict[str, tuple[str, Callable[[CompanyData, str], dict]]] = {
    "portal:complaint_at": (
        "CMP-1: the complaint form of an estate, reached by its QR code, is for anyone",
        _location_token,
    ),
}
# API endpoints with parameters: they authenticate by token, not by session (CMP-1, ORG-2).
TOKEN_URLS: dict[str, Callable[[CompanyData], dict]] = {
    "api:complaint": lambda a: {"tracking_code": a["complaint"].tracking_code},
    # --- standards (issue 10, STD-1) ---
    "api:standard": lambda a: {"code": "CS-90"},
}
# Issue 8 item 5: the steps an integration takes on a case, each with a valid body (POST).
TOKEN_STEPS: dict[str, dict] = {
    "api:complaint_contact": {},
    "api:complaint_special_first_contact": {"reason": "业主出差"},
    "api:complaint_message": {"message": "补充一句"},
    "api:complaint_photo": {},
    "api:complaint_callback": {"reached": False},
    "api:complaint_rating": {"rating": 5},
    "api:complaint_escalation": {"reason": "没人联系我"},
}
TOKEN_URLS.update({name: TOKEN_URLS["api:complaint"] for name in TOKEN_STEPS})
# INS-4: checklists read by token (A's token carries checklists:read, see companies.py).
TOKEN_URLS.update(
    {
        "api:checklist": lambda a: {"checklist_id": a["checklist"].pk},
        "api:checklist_version": lambda a: {"version_id": a["checklist_published"].pk},
    }
)
# --- inspections (INS-5): the token's company's inspections only ------------------------------
TOKEN_URLS["api:inspection"] = lambda a: {"inspection_id": a["reported_inspection"].pk}
TOKEN_URLS["api:inspection_submission"] = lambda a: {"inspection_id": a["inspection"].pk}
TOKEN_STEPS["api:inspection_submission"] = {}
# --- rectification (issue 10): findings read and their fix reported and verified by token ---
TOKEN_URLS["api:finding"] = lambda a: {"number": a["nonconformity"].number}
TOKEN_STEPS.update(
    {
        "api:finding_fix": {"text": "已处理"},
        "api:finding_verify": {"accepted": True, "note": "合格"},
    }
)
TOKEN_URLS.update(
    {name: TOKEN_URLS["api:finding"] for name in ("api:finding_fix", "api:finding_verify")}
)
# --- planning API: schedules, tasks, draws (INS-1, INS-3, INS-6) ------------------------
TOKEN_URLS["api:schedule"] = lambda a: {"schedule_id": a["schedule"].pk}
TOKEN_URLS["api:sampling_draw"] = lambda a: {"draw_id": a["draw"].pk}
TOKEN_STEPS["api:inspection_task_assign"] = {"inspector": "a-inspector"}
TOKEN_STEPS["api:inspection_task_cancel"] = {"reason": "停水改期"}
TOKEN_URLS["api:inspection_task_assign"] = lambda a: {"task_id": a["task"].pk}
TOKEN_URLS["api:inspection_task_cancel"] = lambda a: {"task_id": a["task"].pk}


# --- assessment: monthly cycle (ASM-3, issue 11 part B) ---------------------------------------
def _month(name: str) -> Callable[[CompanyData, str], dict]:
    return lambda a, role: {"month": f"{a[name].month:%Y-%m}"}


_OWN_ENTRY = frozenset(STAFF_ROLES) - {Role.SERVICE_STAFF}
_OWN_ENTRY_REASON = "ASM-3: a person appeals only their own entries (A's entry is the staff's)"
URL_OBJECTS.update(
    {
        "assessment:month": Target(_month("published_month")),
        "assessment:month_compute": Target(_month("published_month"), (POST,)),
        "assessment:month_review": Target(_month("published_month"), EVERY_METHOD),
        "assessment:payroll": Target(_month("closed_month")),
        "assessment:month_step": Target(
            lambda a, role: {"month": f"{a['published_month'].month:%Y-%m}", "action": "approve"},
            (POST,),
        ),
        "assessment:appeal": Target(_pk("appeal"), EVERY_METHOD),
        "assessment:appeal_create": Target(
            _pk("unappealed_entry"),
            EVERY_METHOD,
            out_of_scope=_OWN_ENTRY,
            out_of_scope_reason=_OWN_ENTRY_REASON,
        ),
    }
)
TOKEN_URLS["api:assessment_person_month"] = lambda a: {
    "person": a.people[Role.SERVICE_STAFF].username,
    "month": f"{a['closed_month'].month:%Y-%m}",
}
TOKEN_URLS["api:training_attendance"] = lambda a: {"session_id": a["training_session"].pk}
TOKEN_STEPS["api:training_attendance"] = {"rows": [{"employee_no": "nobody", "attended": True}]}
TOKEN_URLS["api:assessment_month_totals"] = lambda a: {"month": f"{a['closed_month'].month:%Y-%m}"}

# Pages without parameters that take an object from the query string: B's people give A's.
QUERY_OBJECTS: dict[str, Callable[[CompanyData], dict]] = {
    "complaints:list": lambda a: {"location": a.estate.pk, "department": a.ab.pk},
    "complaints:department_queue": lambda a: {"unit": a.estate.pk},
    "complaints:export": lambda a: {"mode": "unit", "unit": a.estate.pk},
    "orgs:people": lambda a: {"unit": a.hq.pk},
    "orgs:unit_create": lambda a: {"parent": a.kf.pk},
    "orgs:person_create": lambda a: {"unit": a.kf.pk},
    "orgs:export": lambda a: {"company": a.company.pk},
    "notify:deliveries": lambda a: {"endpoint": a["webhook"].pk},
}


def _parameterised(pattern) -> bool:
    return bool(pattern.pattern.converters or pattern.pattern.regex.groups)


# --- assessment, part C: the quarterly assessment (ASM-2, ASM-9) ------------------------------
URL_OBJECTS.update(
    {
        "assessment:quarterly_plan": Target(_pk("quarterly_plan")),
        "assessment:quarterly_plan_edit": Target(_pk("quarterly_draft"), EVERY_METHOD),
        "assessment:quarterly_step": Target(
            lambda a, r: {"pk": a["quarterly_plan"].pk, "action": "close"}, (POST,)
        ),
        "assessment:quarterly_feedback": Target(_pk("quarterly_result"), EVERY_METHOD),
        "assessment:quarterly_suggestions": Target(_pk("quarterly_result"), EVERY_METHOD),
    }
)
TOKEN_URLS["api:quarterly_results"] = lambda a: {"plan_id": a["quarterly_plan"].pk}


PARAMETERISED = {name: pattern for name, pattern in PAGES if _parameterised(pattern)}


def _targets(name: str) -> tuple[Target, ...]:
    entry = URL_OBJECTS[name]
    return entry if isinstance(entry, tuple) else (entry,)


def _rule(name: str) -> frozenset:
    return frozenset(str(r) for r in PARAMETERISED[name].callback.access_roles)


def _rule_of(name: str) -> frozenset:
    return frozenset(str(r) for r in dict(PAGES)[name].callback.access_roles)


# --- assessment: the points ledger (issue 11, part A) ---------------------------------------
URL_OBJECTS.update(
    {
        "assessment:ledger_person": Target(_pk("person")),
        "assessment:offence_record": Target(_pk("person"), EVERY_METHOD),
        "assessment:daily_record": Target(_pk("person"), EVERY_METHOD),
        "assessment:entry_correct": Target(_pk("points_entry"), EVERY_METHOD),
    }
)


# --- training and consequences (issue 11 part D: TRN-1, ASM-8, ASM-10) ----------------------
_NOT_THEIR_CONSEQUENCE = (
    "ASM-10: a consequence is read by the company-wide roles, the line managers of the person's "
    "unit and the person concerned"
)
URL_OBJECTS.update(
    {
        "training:course_edit": Target(_pk("course"), EVERY_METHOD),
        "training:session": Target(_pk("training_session")),
        "training:session_attendance": Target(
            _pk("training_session"),
            EVERY_METHOD,
            get_redirect=(
                "TRN-1: the attendance sheet is submitted from the session's page",
                lambda a, r: reverse("training:session", args=[a["training_session"].pk]),
            ),
        ),
        "training:session_cancel": Target(_pk("training_session"), EVERY_METHOD),
        "training:assignment_cancel": Target(_pk("training_assignment"), EVERY_METHOD),
        "assessment:consequence": Target(
            _pk("consequence"),
            out_of_scope=frozenset(
                {
                    Role.UNIT_QUALITY_ADMIN,
                    Role.INSPECTOR,
                    Role.SERVICE_DESK,
                    Role.COMPLAINT_HANDLER,
                    Role.SUPPLIER,
                    Role.CUSTOMER,
                    Role.SUPERVISING_BODY,
                }
            ),
            out_of_scope_reason=_NOT_THEIR_CONSEQUENCE,
        ),
    }
)


def _cases():
    for name in URL_OBJECTS:
        for index, target in enumerate(_targets(name)):
            for method in target.methods:
                for company in ("a", "b"):
                    for role in Role:
                        case_id = "-".join(
                            filter(None, [name, target.label, company, role.value, method])
                        )
                        yield pytest.param(name, index, method, company, role.value, id=case_id)


CASES = list(_cases())

# Every test rolls back what it changed (to a savepoint inside the module's transaction).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(media_of_two_companies):
    """The files of the two companies (attachments, import batches) stay where they were
    written for the whole module."""


@pytest.fixture(scope="module", autouse=True)
def _printed_forms_not_laid_out():
    """The printed forms are rendered as HTML but not laid out as PDF: WeasyPrint takes about
    half a second a page, and the access decision is made before it (test_print covers the
    PDFs themselves)."""
    from pinzhi.complaints import printing

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(printing, "pdf_from_html", lambda html: b"%PDF-1.7 (not laid out)")
        yield


def test_every_parameterised_url_has_an_object():
    """Issue 6 item 11: a new URL with parameters gets an entry here, so that the matrix
    requests it with the other company's object (and no entry outlives its URL)."""
    known = set(URL_OBJECTS) | set(PUBLIC_URLS) | set(TOKEN_URLS)
    missing = sorted(set(PARAMETERISED) - known)
    assert not missing, f"add to URL_OBJECTS (or PUBLIC_URLS/TOKEN_URLS): {missing}"
    assert not sorted(known - set(PARAMETERISED)), "entries for URLs that no longer exist"
    public = {n for n, p in PARAMETERISED.items() if PUBLIC in p.callback.access_roles}
    assert public == set(PUBLIC_URLS) | set(TOKEN_URLS), "a public URL must say why it is"
    assert set(QUERY_OBJECTS) <= set(dict(PAGES)) - set(PARAMETERISED)


def _writes(queries) -> list[str]:
    """INSERT, UPDATE and DELETE statements other than the session's."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
        and "django_session" not in q["sql"]
    ]


def _request(client, method: str, url: str):
    if method == GET:
        return client.get(url)
    return client.post(url, {})


def _where(response) -> str:
    return urlsplit(response["Location"]).path if response.status_code == 302 else ""


@pytest.mark.parametrize("name,index,method,company,role", CASES)
def test_each_role_of_each_company_gets_what_the_rule_and_the_company_allow(
    two_companies, client_as, name, index, method, company, role
):
    """Issue 6 item 11 (ORG-2): B's people never reach A's objects; A's people reach them as
    far as the page rule and the object's scope go, and a redirect away is no access."""
    a = two_companies.a
    target = _targets(name)[index]
    person = getattr(two_companies, company).people[role]
    client = client_as(company, role)
    url = reverse(name, kwargs=target.kwargs(a, role))
    page_allows = user_may(person, _rule(name))

    with CaptureQueriesContext(connection) as queries:
        response = _request(client, method, url)
    status, where = response.status_code, _where(response)

    if company == "b":
        assert not [m for m in a.markers() if m in page_text(response)], (
            f"B's {role} sees A's data on {name}: {status} {where}"
        )
        assert not _writes(queries), f"B's {role} changed A's data via {name}"
        if not target.shared:
            assert status in (403, 404), f"B's {role} reached A's {name}: {status} {where}"
            return
    if not page_allows:
        assert status == 403, f"{company.upper()}'s {role} should be refused {name}: {status}"
    elif company == "a" and role in target.out_of_scope:
        assert status == 404, f"{name} is out of {role}'s scope ({target.out_of_scope_reason})"
    elif method == GET and target.get_redirect:
        assert (status, where) == (302, target.get_redirect[1](a, role)), target.get_redirect[0]
    elif method == GET:
        assert status == 200, f"{company.upper()}'s {role} should reach {name}: {status} {where}"
    else:
        # Issue 7 item 1: a workflow step the role may not take (or not now) is refused on the
        # page it reached, with its reason and a 403/409, not with the access-denied page.
        step_refused = status in (403, 409) and 'data-testid="error-page"' not in page_text(
            response
        )
        assert status in (200, 302, 400) or step_refused, (
            f"{company.upper()}'s {role} should reach {name}: {status}"
        )
        assert where not in (reverse("core:home"), reverse("core:login")), (
            f"{company.upper()}'s {role} was sent away from {name} to {where}"
        )


@pytest.mark.parametrize("role", [role.value for role in Role])
@pytest.mark.parametrize("name", list(QUERY_OBJECTS))
def test_an_object_of_the_other_company_in_the_query_string_shows_nothing_of_it(
    two_companies, client_as, name, role
):
    """Issue 6 item 11 (ORG-2): a page given A's unit, company or endpoint in its query
    string by one of B's people shows B's own data only (or refuses, per the page rule)."""
    person = two_companies.b.people[role]
    response = client_as("b", role).get(reverse(name), QUERY_OBJECTS[name](two_companies.a))
    if not user_may(person, _rule_of(name)):
        assert response.status_code == 403
        return
    assert response.status_code == 200, f"{name}: {response.status_code}"
    text = page_text(response)
    assert not [m for m in two_companies.a.markers() if m in text], f"A's data on B's {name}"


@pytest.mark.parametrize("name", list(PUBLIC_URLS))
@pytest.mark.parametrize("method", EVERY_METHOD)
def test_a_public_page_with_parameters_is_public_on_purpose(two_companies, client_as, name, method):
    """Issue 6 item 11: the public pages with parameters are open to anyone, by design (the
    reason is in PUBLIC_URLS); an empty form is refused with its errors and changes nothing."""
    _reason, kwargs = PUBLIC_URLS[name]
    client = client_as(None)
    with CaptureQueriesContext(connection) as queries:
        response = _request(client, method, reverse(name, kwargs=kwargs(two_companies.a, "")))
    assert response.status_code == (200 if method == GET else 400)
    assert method == GET or not _writes(queries)


def _api_secret(two_companies, company: str) -> str:
    """A's token from the build, or a token of B made now (both with every scope)."""
    if company == "a":
        return two_companies.a["api_secret"]
    from pinzhi.api.models import SCOPES
    from pinzhi.api.services import api_token_create

    b = two_companies.b
    _token, secret = api_token_create(
        name="乙热线系统",
        company=b.company,
        scopes=[scope for scope, _label in SCOPES],
        actor=b.people[Role.QUALITY_DEPARTMENT],
    )
    return secret


@pytest.mark.parametrize("name", list(TOKEN_URLS))
@pytest.mark.parametrize("company", ["a", "b"])
def test_an_api_token_reaches_only_its_own_company(two_companies, client_as, name, company):
    """Issue 6 item 11 (ORG-2): B's API token does not find A's complaint; A's does."""
    secret = _api_secret(two_companies, company)
    url = reverse(name, kwargs=TOKEN_URLS[name](two_companies.a))
    headers = {"Authorization": f"Bearer {secret}"}
    if name not in TOKEN_STEPS:
        response = client_as(None).get(url, headers=headers)
        assert response.status_code == (200 if company == "a" else 404)
        return
    if name == "api:complaint_photo":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from pinzhi.portal.tests.test_form import PNG

        photo = SimpleUploadedFile("bike.png", PNG, content_type="image/png")
        response = client_as(None).post(url, {"photo": photo}, headers=headers)
    else:
        body = TOKEN_STEPS[name]
        response = client_as(None).post(url, body, content_type="application/json", headers=headers)
    # A's token takes the step (or is refused by the case's state); B's finds no case.
    assert (response.status_code == 404) == (company == "b"), response.content


@pytest.mark.parametrize("company", ["a", "b"])
def test_an_api_token_lists_only_its_own_companys_complaints(two_companies, client_as, company):
    """Issue 6 item 11 (ORG-2): the API's list holds the token's company's complaints only."""
    secret = _api_secret(two_companies, company)
    response = client_as(None).get(
        reverse("api:complaints_list"), headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    listed = {item["tracking_code"] for item in response.json()["items"]}
    a = two_companies.a
    mine = {a["complaint"].tracking_code, a["second_complaint"].tracking_code}
    assert listed == (mine if company == "a" else set())
