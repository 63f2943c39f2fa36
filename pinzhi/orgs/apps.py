from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "pinzhi.orgs"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from pinzhi.core.accounts import AccountServices, register_account_services
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import Tile, register_nav_section, register_tile
        from pinzhi.orgs import demo, services, tiles, views

        # The shell's account pages and its purge of expired sign-in codes (issue 6 item 4).
        register_account_services(
            AccountServices(
                change_password=services.person_change_password,
                redeem_code=services.password_reset_redeem,
                purge_codes=services.password_resets_purge,
            )
        )
        # The demo organisation comes first: the other demo data is made in it.
        register_demo(
            DemoPart(
                name="orgs",
                load=demo.load_demo_organisation,
                order=10,
                notes=demo.demo_notes,
            )
        )

        register_nav_section(
            _("Organisation"),
            (_("Organisation tree"), "orgs:tree", views.TREE_READERS, "diagram-3", 10),
            (_("People"), "orgs:people", views.PEOPLE_READERS, "people", 20),
            (_("Companies"), "orgs:companies", views.COMPANY_READERS, "building", 30),
            (_("Import and export"), "orgs:transfer", views.TREE_READERS, "file-earmark-excel", 40),
        )
        register_tile(
            Tile(
                key="orgs-attention",
                template="orgs/tiles/attention.html",
                roles=frozenset(views.MANAGERS),
                render=tiles.attention,
                order=50,
            )
        )
        # readable labels of the organisation's timeline events.
        from pinzhi.orgs.events import OrgEvent
        from pinzhi.timeline.events import register_labels
        from pinzhi.timeline.privacy import register_personal_data_rule

        # ORG-3: organisation records hold no customer data (a unit's "name" is not a
        # person's); people have the timeline's own rule for the user model.
        for model_label in ("orgs.unit", "orgs.post", "orgs.company"):
            register_personal_data_rule(model_label, lambda user, subject: True)

        register_labels(OrgEvent)
