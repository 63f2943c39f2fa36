from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    """整改: nonconformities, rectification, work orders, supervision orders, CAPA (NCR-1…4)."""

    name = "pinzhi.rectification"
    verbose_name = _("Rectification")

    def ready(self) -> None:
        from datetime import timedelta

        from pinzhi.core.clock import register_periodic
        from pinzhi.deadlines.display import register_kind, register_level
        from pinzhi.deadlines.escalation import register_escalation
        from pinzhi.inspections.hooks import register_findings_link, register_on_submitted
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.rectification import workflow
        from pinzhi.rectification.events import RectificationEvent
        from pinzhi.rectification.people import deadline_escalation_recipients
        from pinzhi.rectification.selectors import inspection_findings_links
        from pinzhi.rectification.services import inspection_submitted_follow
        from pinzhi.rectification.tasks import rectification_follow
        from pinzhi.timeline.events import register_labels

        workflow_register(workflow.NONCONFORMITY_WORKFLOW)
        workflow_register(workflow.CAPA_WORKFLOW)
        register_labels(RectificationEvent)
        register_escalation("rectification", deadline_escalation_recipients)
        for kind, label in [
            (workflow.FIX, _("Time limit to rectify a nonconformity")),
            (workflow.WORK_ORDER, _("Time limit of a work order")),
            (workflow.STAGE, _("Time limit of a supervision stage")),
            (workflow.CAPA, _("Time limit of a corrective action")),
        ]:
            register_kind(kind, label)
            for level, level_label in [
                ("owner", _("Person responsible for the rectification")),
                ("unit_head", _("Head of the responsible unit")),
                ("quality_department", _("Quality department")),
                ("leadership", _("Company leadership")),
            ]:
                register_level(level, level_label, kind_prefix=kind)
        register_periodic(
            name="rectification.follow", task=rectification_follow, every=timedelta(minutes=1)
        )
        # INS-5 / NCR-2: findings at once after a submission; the clock's job is the backstop.
        register_on_submitted(inspection_submitted_follow)
        # INS-5: the inspection's page links to the nonconformities raised from it.
        register_findings_link(inspection_findings_links)
        self._register_shell()

    def _register_shell(self) -> None:
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import Tile, register_nav_section, register_tile
        from pinzhi.orgs.roles import Role
        from pinzhi.rectification import demo, tiles
        from pinzhi.rectification.selectors import (
            BOARD_ROLES,
            CAPA_ROLES,
            LIST_ROLES,
            nonconformities_visible_to,
        )
        from pinzhi.timeline.selectors import register_attachment_access

        register_nav_section(
            _("Rectification"),
            (_("Findings to rectify"), "rectification:list", LIST_ROLES, "wrench-adjustable", 60),
            (_("Overdue rectifications"), "rectification:board", BOARD_ROLES, "alarm", 61),
            (
                _("Supervision orders"),
                "rectification:supervision_list",
                BOARD_ROLES | CAPA_ROLES,
                "megaphone",
                62,
            ),
            (_("Corrective actions"), "rectification:capa_list", CAPA_ROLES, "arrow-repeat", 63),
        )
        register_attachment_access(
            "rectification.nonconformity",
            lambda user, nc: (
                nc is not None and nonconformities_visible_to(user).filter(pk=nc.pk).exists()
            ),
        )
        # Issue 10 item 10: a unit head's open findings, the quality department's overdue ones.
        for key, template, tile_roles, render, order in [
            (
                "rectification-open",
                "rectification/tiles/open_findings.html",
                {Role.DEPARTMENT_MANAGER, Role.UNIT_QUALITY_ADMIN},
                tiles.open_in_my_units,
                30,
            ),
            (
                "rectification-overdue",
                "rectification/tiles/overdue.html",
                {Role.QUALITY_DEPARTMENT},
                tiles.overdue_rectifications,
                31,
            ),
        ]:
            register_tile(
                Tile(
                    key=key,
                    template=template,
                    roles=frozenset(tile_roles),
                    render=render,
                    order=order,
                )
            )
        register_demo(DemoPart(name="rectification", load=demo.load_demo_rectification, order=63))
