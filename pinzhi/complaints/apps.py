from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "pinzhi.complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from pinzhi.complaints import services
        from pinzhi.complaints.selectors import (
            deadline_escalation_recipients,
            personal_data_rule,
        )
        from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW
        from pinzhi.deadlines.display import register_kind, register_level
        from pinzhi.deadlines.escalation import register_escalation
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.timeline.actions import register_action
        from pinzhi.timeline.privacy import register_personal_data_rule

        workflow_register(COMPLAINT_WORKFLOW)
        register_escalation("complaint", deadline_escalation_recipients)
        register_personal_data_rule("complaints.complaint", personal_data_rule)
        for kind, label in [
            (services.FIRST_CONTACT, _("First contact with the complainant")),
            (services.ON_SITE, _("Staff on site (urgent complaint)")),
            (services.RESOLUTION, _("Complaint resolved")),
            (services.ANSWER, _("Complainant answered")),
            (services.CALLBACK, _("Callback to the complainant")),
            (services.CLOSURE, _("Result back to the registrar and case closed")),
        ]:
            register_kind(kind, label)
        for level, label in [
            ("handler", _("Handler")),
            ("department_head", _("Head of the department complained about")),
            ("group_leader", _("Group leader")),
            ("chairman", _("Chairman")),
        ]:
            register_level(level, label, kind_prefix="complaint")
        for code, label in [
            ("complaint.registered", _("Complaint registered")),
            ("complaint.not_established", _("Closed as not established")),
            ("complaint.routed", _("Contact letter sent")),
            ("complaint.letter_acknowledged", _("Contact letter signed for")),
            ("complaint.assigned", _("Handler and solution named")),
            ("complaint.verified", _("Complaint verified")),
            ("complaint.first_contact_extended", _("Longer first-contact limit granted")),
            ("complaint.contacted", _("Customer contacted")),
            ("complaint.resolved", _("Complaint resolved")),
            ("complaint.callback_unreached", _("Callback: customer not reached")),
            ("complaint.callback_confirmed", _("Callback: customer confirms the result")),
            ("complaint.reopened", _("Reopened after the callback")),
            ("complaint.closed", _("Complaint closed")),
            ("complaint.handed_over", _("Handed over")),
            ("complaint.customer_escalated", _("Escalated by the customer")),
            ("complaint.escalation_answered", _("Customer's escalation answered")),
            ("complaint.reported_to_leadership", _("Major complaint reported to the leadership")),
            ("complaint.customer_rated", _("Rated by the customer")),
            ("complaint.offence", _("Offence recorded")),
        ]:
            register_action(code, label)
        self._register_shell()

    def _register_shell(self) -> None:
        """Navigation, home tiles and attachment access of the staff complaint pages."""
        from pinzhi.complaints import tiles
        from pinzhi.complaints.selectors import (
            REGISTER_ROLES,
            STAFF_COMPLAINT_ROLES,
            complaints_visible_to,
        )
        from pinzhi.core.shell import NavEntry, Tile, register_nav, register_tile
        from pinzhi.orgs.roles import Role
        from pinzhi.timeline.selectors import register_attachment_access

        section = _("Complaints")
        staff = frozenset(STAFF_COMPLAINT_ROLES)
        for label, url_name, roles, icon, order in [
            (_("Register a complaint"), "complaints:create", REGISTER_ROLES, "plus-circle", 30),
            (_("My queue"), "complaints:my_queue", staff, "inbox", 31),
            (_("Department queue"), "complaints:department_queue", staff, "people", 32),
            (_("All complaints"), "complaints:list", staff, "archive", 33),
        ]:
            register_nav(
                NavEntry(
                    section=section,
                    label=label,
                    url_name=url_name,
                    roles=frozenset(roles),
                    icon=icon,
                    order=order,
                )
            )
        for key, render, roles, order in [
            ("complaints.my_open", tiles.my_open_cases, staff, 20),
            ("complaints.letters", tiles.letters_to_sign, {Role.DEPARTMENT_MANAGER}, 21),
            (
                "complaints.callbacks",
                tiles.callbacks_due,
                {Role.COMPLAINT_HANDLER, Role.SERVICE_DESK},
                22,
            ),
            (
                "complaints.overview",
                tiles.company_overview,
                {Role.QUALITY_DEPARTMENT, Role.LEADERSHIP, Role.QUALITY_COMMITTEE},
                23,
            ),
        ]:
            register_tile(
                Tile(
                    key=key,
                    template=f"complaints/tiles/{key.split('.')[1]}.html",
                    roles=frozenset(roles),
                    render=render,
                    order=order,
                )
            )
        # Whoever may open a case may download its attachments (X-1, ORG-2).
        register_attachment_access(
            "complaints.complaint",
            lambda user, complaint: (
                complaint is not None
                and complaints_visible_to(user).filter(pk=complaint.pk).exists()
            ),
        )
        # Repeat analysis (CMP-8) and the import of historical complaints: nav and actions.
        from pinzhi.complaints.views_repeats import register_nav_entries

        register_nav_entries()
