from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "pinzhi.orgs"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from pinzhi.core.shell import NavEntry, Tile, register_nav, register_tile
        from pinzhi.orgs import tiles, views

        section = _("Organisation")
        for label, url_name, roles, icon, order in (
            (_("Organisation tree"), "orgs:tree", views.TREE_READERS, "diagram-3", 10),
            (_("People"), "orgs:people", views.PEOPLE_READERS, "people", 20),
            (_("Companies"), "orgs:companies", views.COMPANY_READERS, "building", 30),
            (_("Import and export"), "orgs:transfer", views.TREE_READERS, "file-earmark-excel", 40),
        ):
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

        register_labels(OrgEvent)
