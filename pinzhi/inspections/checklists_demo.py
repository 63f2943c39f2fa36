"""Demo checklists (INS-4): the demo company's policy pack's templates from the seeds,
installed by the quality manager through the services, and a draft version 2 of the cleaning
daily check with one more item, to show the builder and the versions. Idempotent."""

from typing import Any

from pinzhi.inspections import checklists
from pinzhi.inspections.models import ChecklistTemplate, TemplateVersion
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person


def load_demo_checklists(*, stdout: Any = None) -> None:
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if company is None:
        return
    quality = Person.objects.filter(username="quality").first()
    installed = checklists.checklists_install_pack(
        company=company, pack=company.policy_pack or "property", actor=quality
    )
    daily = ChecklistTemplate.objects.filter(company=company, code="CLN-D").first()
    if daily is not None and not daily.versions.filter(number=2).exists():
        draft = checklists.version_draft_create(template=daily, actor=quality)
        checklists.item_save(
            version=draft,
            actor=quality,
            section="公共区域",
            code="D08",
            text="地下车库、自行车棚地面无垃圾、无积水",
            photo_on_failure=True,
        )
    if stdout is not None:
        published = TemplateVersion.objects.filter(
            template__company=company, status=TemplateVersion.Status.PUBLISHED
        ).count()
        stdout.write(f"  checklists: {len(installed)} templates, {published} published versions\n")
