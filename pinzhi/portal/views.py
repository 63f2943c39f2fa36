"""Public portal pages (CMP-1, CMP-2, CMP-7, X-6): the landing page, the complaint form (also
per location, reached by QR code), the tracking page, and the staff page of QR codes."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.complaints.models import Complaint
from pinzhi.core.access import page, public_page
from pinzhi.lib.clock import now
from pinzhi.orgs.roles import Role
from pinzhi.portal import selectors, services
from pinzhi.portal.forms import ComplaintForm, EscalateForm, RateForm, TrackForm
from pinzhi.portal.qr import qr_svg

TOO_MANY_SUBMISSIONS = _(
    "Too many complaints were sent from your network in a short time. Please try again later "
    "or call our hotline."
)
REFUSED = _("The form could not be accepted. Please reload the page and try again.")
TOO_MANY_CHECKS = _(
    "Too many wrong attempts. For your protection tracking is locked for an hour; please "
    "call our hotline."
)
NOT_FOUND = _("No complaint matches this tracking code and these digits. Check both and try again.")
NO_COMPANY = _("Online complaints are not open yet. Please call our hotline.")
RATED = _("Thank you for your rating.")
ESCALATED = _("Your escalation has been passed to the group leader and the chairman.")
MY_COMPLAINTS_PER_PAGE = 20
TRACK_SESSION_KEY = "portal_track"
THANKS_SESSION_KEY = "portal_submitted"


def _status(form) -> int:
    """400 when a field's input is malformed (issue 6 item 8: a clear 4xx with the field's
    message), else 200 — also for a refusal that is no fault of the input (rate limits, a
    code and digits that match no case)."""
    return 400 if any(name in form.errors for name in form.fields) else 200


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _public(request, template, context=None, *, company=None, status=200):
    """A public page, under the name and with the hotline of the company it belongs to
    (issue 8 item 6: not the product's name; the number wherever the hotline is mentioned)."""
    company = company or selectors.public_company()
    context = {
        "public_company": company,
        "public_hotline": selectors.public_hotline(company),
        **(context or {}),
    }
    return render(request, template, context, status=status)


@public_page
def landing(request):
    """X-6: the public complaint channels and the way to the form and the tracking page."""
    companies = [
        {"company": company, "hotline": hotline}
        for company in selectors.operator_companies()
        if (hotline := selectors.public_hotline(company))
    ]
    return _public(request, "portal/landing.html", {"companies": companies})


def _complaint_form(request, location=None):
    if request.method == "POST":
        form = ComplaintForm(request.POST, request.FILES, fixed_location=location)
        address = client_address(request)
        if form.is_spam:
            services.submit_count(address=address)
            form.add_error(None, REFUSED)
        elif not services.submit_allowed(address=address):
            form.add_error(None, TOO_MANY_SUBMISSIONS)
        elif form.is_valid():
            place, company = form.location_and_company()
            if company is None:
                form.add_error(None, NO_COMPANY)
            else:
                data = form.cleaned_data
                complaint = services.portal_complaint_submit(
                    company=company,
                    customer=selectors.customer_account(request.user),
                    location=place,
                    category=data["category"],
                    content=data["content"],
                    request=data["request"],
                    customer_name=data["customer_name"],
                    customer_phone=data["customer_phone"],
                    customer_email=data["customer_email"],
                    customer_address=data["customer_address"],
                    photo=data.get("photo"),
                    address=address,
                )
                request.session[THANKS_SESSION_KEY] = complaint.tracking_code
                _remember_tracking(request, complaint)
                return redirect("portal:thanks")
    else:
        form = ComplaintForm(fixed_location=location)
    return _public(
        request,
        "portal/complaint_form.html",
        {"form": form, "location": location},
        company=selectors.public_company(location=location),
        status=_status(form),
    )


@public_page
def complaint_form(request):
    """CMP-1: the public web form; no account needed."""
    return _complaint_form(request)


@public_page
def complaint_form_at(request, token: str):
    """X-6: the form of one estate or window, reached by its QR code (signed token)."""
    location = selectors.location_from_token(token)
    if location is None:
        raise Http404
    return _complaint_form(request, location)


@public_page
def thanks(request):
    code = request.session.get(THANKS_SESSION_KEY)
    if not code:
        return redirect("portal:complaint")
    complaint = Complaint.objects.select_related("company").filter(tracking_code=code).first()
    return _public(
        request,
        "portal/thanks.html",
        {"tracking_code": code},
        company=selectors.public_company(complaint=complaint),
    )


def _remember_tracking(request, complaint: Complaint) -> None:
    until = now() + selectors.TRACKING_SESSION_LIFETIME
    request.session[TRACK_SESSION_KEY] = {"id": complaint.pk, "until": until.isoformat()}


def _tracked(request) -> Complaint | None:
    """The case verified in this session in the last 30 minutes."""
    entry = request.session.get(TRACK_SESSION_KEY)
    if not isinstance(entry, dict):
        return None
    try:
        until = datetime.fromisoformat(entry["until"])
    except (KeyError, TypeError, ValueError):
        return None
    if until <= now():
        request.session.pop(TRACK_SESSION_KEY, None)
        return None
    return (
        Complaint.objects.select_related("company", "department", "location")
        .filter(pk=entry.get("id"))  # type: ignore[misc]  # no id: no complaint
        .first()
    )


@public_page
def track(request):
    """CMP-2: the customer enters the tracking code and the phone's last four digits."""
    if request.method == "POST":
        form = TrackForm(request.POST)
        address = client_address(request)
        code = services.tracking_key(request.POST.get("tracking_code", ""))
        if not services.tracking_allowed(address=address, tracking_code=code):
            form.add_error(None, TOO_MANY_CHECKS)
        elif form.is_valid():
            complaint = selectors.complaint_for_tracking(
                tracking_code=form.cleaned_data["tracking_code"],
                phone_last4=form.cleaned_data["phone_last4"],
            )
            if complaint is None:
                services.tracking_failed(address=address, tracking_code=code)
                form.add_error(None, NOT_FOUND)
            else:
                _remember_tracking(request, complaint)
                return redirect("portal:status")
    else:
        if _tracked(request) is not None and "new" not in request.GET:
            return redirect("portal:status")
        form = TrackForm(
            initial={"tracking_code": services.tracking_key(request.GET.get("code", ""))[:12]}
        )
    return _public(request, "portal/track.html", {"form": form}, status=_status(form))


def _status_context(complaint, **extra):
    context = {
        "complaint": complaint,
        "public_status": selectors.public_status(complaint),
        "reply": selectors.customer_reply(complaint),
        "milestones": selectors.customer_milestones(complaint),
        "escalations": complaint.customer_escalations.all(),
        "may_rate": selectors.may_rate(complaint),
        "may_escalate": selectors.may_escalate(complaint),
        "rate_form": RateForm(),
        "escalate_form": EscalateForm(),
    }
    context.update(extra)
    return context


@public_page
def status(request):
    """CMP-2/CMP-7: the case as the customer sees it, with rating and escalation."""
    complaint = _tracked(request)
    if complaint is None:
        return redirect("portal:track")
    return _public(
        request,
        "portal/status.html",
        _status_context(complaint),
        company=selectors.public_company(complaint=complaint),
    )


def _status_form(request, complaint, *, save, done, **form_by_name):
    """A form on the status page (`rate_form=` or `escalate_form=`): a valid one runs `save()`
    (one service call) and goes back to the status page saying `done`; a refusal lands on the
    form, shown again with a 4xx status."""
    (form,) = form_by_name.values()
    if form.is_valid():
        try:
            save()
        except services.PortalError as error:
            error.add_to_form(form)
        else:
            messages.success(request, done)
            return redirect("portal:status")
    return _public(
        request,
        "portal/status.html",
        _status_context(complaint, **form_by_name),
        company=selectors.public_company(complaint=complaint),
        status=_status(form),
    )


@public_page
@require_POST
def rate(request):
    complaint = _tracked(request)
    if complaint is None:
        return redirect("portal:track")
    form = RateForm(request.POST)
    return _status_form(
        request,
        complaint,
        rate_form=form,
        save=lambda: services.portal_complaint_rate(
            complaint=complaint,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        ),
        done=RATED,
    )


@public_page
@require_POST
def escalate(request):
    complaint = _tracked(request)
    if complaint is None:
        return redirect("portal:track")
    form = EscalateForm(request.POST)
    return _status_form(
        request,
        complaint,
        escalate_form=form,
        save=lambda: services.portal_complaint_escalate(
            complaint=complaint, reason=form.cleaned_data["reason"]
        ),
        done=ESCALATED,
    )


@page(Role.CUSTOMER)
def my_complaints(request):
    """Issue 8 item 6: a signed-in customer's own complaints, each leading to its tracking
    page (no tracking code and digits to type again)."""
    complaints = selectors.complaints_of_customer(request.user).select_related("location")
    page_obj = Paginator(complaints, MY_COMPLAINTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"complaint": complaint, "status": selectors.public_status(complaint)}
        for complaint in page_obj
    ]
    return _public(request, "portal/my_complaints.html", {"page_obj": page_obj, "rows": rows})


@page(Role.CUSTOMER)
def my_complaint(request, pk: int):
    """Issue 8 item 6: open one of the customer's own complaints on the tracking page, as a
    verified tracking code would; another person's complaint is not found (404). The URL
    carries no tracking code: it would show in pages and logs."""
    complaint = selectors.complaints_of_customer(request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    _remember_tracking(request, complaint)
    return redirect("portal:status")


@page(Role.QUALITY_DEPARTMENT, Role.SERVICE_DESK)
def qr_codes(request):
    """X-6/CMP-1: printable QR codes, one per estate, window and site of the company, each
    leading to that location's complaint form."""
    units = selectors.public_locations()
    if not request.user.is_superuser:
        units = units.filter(company_id=request.user.company_id)
    base = settings.PINZHI_SITE_URL.rstrip("/")
    cards = []
    for unit in units:
        url = base + reverse("portal:complaint_at", args=[selectors.location_token(unit)])
        cards.append({"unit": unit, "url": url, "svg": qr_svg(url)})
    return render(request, "portal/qr_codes.html", {"cards": cards})


@public_page
def commitments(request):
    """STD-4: the published service commitments of each post, under the company's name,
    beside the complaint form (004 第5篇 附1 服务承诺公示)."""
    from pinzhi.standards.selectors import companies_with_commitments

    companies = list(selectors.operator_companies())
    return _public(
        request,
        "portal/commitments.html",
        {"published": companies_with_commitments(companies)},
    )
