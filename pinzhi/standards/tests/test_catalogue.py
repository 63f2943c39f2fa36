"""STD-1: the catalogue of service items and measurable standards, per pack."""

import pytest

from pinzhi.deadlines.models import Deadline
from pinzhi.standards import services
from pinzhi.standards.models import (
    Category,
    Dimension,
    ServiceItem,
    Standard,
    StandardStatus,
    VersionState,
)

PACKS = ["property", "itops", "windows", "retail"]
CODE_PREFIXES = {
    Category.CLEANING: "CLN-",
    Category.SECURITY: "SEC-",
    Category.GREENING: "GRN-",
    Category.FACILITIES: "FAC-",
    Category.CUSTOMER_SERVICE: "CS-",
    Category.IT_INCIDENTS: "IT-",
    Category.WINDOW_SERVICE: "WIN-",
    Category.SHOP: "SHOP-",
    Category.CANTEEN: "CNT-",
}


@pytest.mark.parametrize("pack", PACKS)
def test_it_ships_a_catalogue_of_measurable_standards_for_every_pack(pack):
    """STD-1: each pack brings its service items; every standard is measurable (a measure),
    of one of the five dimensions, cites its clause, and carries the agreed code prefix."""
    data = services.catalogue_data(pack)
    assert data["items"]
    for item in data["items"]:
        assert item["category"] in Category.values
        for row in item["standards"]:
            assert row["code"].startswith(CODE_PREFIXES[item["category"]]), row["code"]
            assert row["dimension"] in Dimension.values
            assert row["measure"].strip(), row["code"]
            assert row["source"]["seed"] and row["source"]["clause"]


def test_it_installs_the_property_catalogue_published_with_sources_and_review_deadlines(
    company, quality
):
    """STD-1, STD-2: installing the property pack's catalogue gives the seeds' standards
    (public areas cleaned daily, greening intact 100 %, theft rate 0, three rings, minor
    cleaning defects within 1 hour), each in force as version 1 with its clause and a
    review deadline."""
    installed = services.catalogue_install_pack(company=company, actor=quality)
    codes = {s.code for s in installed.standards}
    assert {"CLN-01", "GRN-01", "SEC-03", "CS-01", "CLN-03"} <= codes
    cleaning = Standard.objects.get(company=company, code="CLN-01")
    assert cleaning.status == StandardStatus.PUBLISHED
    assert cleaning.rule_key == "standards.public_area_cleaning"
    assert cleaning.source == "《物业管理公司服务工作制度》第1篇 三.1"
    version = cleaning.versions.get()
    assert version.state == VersionState.PUBLISHED and version.review_due is not None
    assert Deadline.objects.filter(kind="standard.review", object_id=cleaning.pk).count() == 1


def test_it_installs_a_catalogue_once_however_often_it_is_asked(company, quality):
    """STD-1: installing is idempotent; a company's own changes are kept."""
    services.catalogue_install_pack(company=company, actor=quality)
    items, standards = ServiceItem.objects.count(), Standard.objects.count()
    again = services.catalogue_install_pack(company=company, actor=quality)
    assert again.items == [] and again.standards == []
    assert (ServiceItem.objects.count(), Standard.objects.count()) == (items, standards)


def test_it_refuses_an_unknown_pack_with_a_clear_message(company, quality):
    """STD-1: an unknown pack is a 404 naming the pack, never a file path or a 500."""
    with pytest.raises(services.StandardError) as caught:
        services.catalogue_install_pack(company=company, pack="../etc", actor=quality)
    assert caught.value.status == 404
    assert "../etc" in caught.value.reason


def test_it_installs_the_windows_commitments_as_drafts(company, quality):
    """STD-4: the windows pack brings the posts' commitments of 004 第5篇 附1 as drafts —
    nothing is public until the quality department publishes it."""
    services.catalogue_install_pack(company=company, pack="windows", actor=quality)
    commitments = list(company.commitments.all())
    assert {c.post_name for c in commitments} >= {"门卫", "开票室"}
    assert all(c.state == "draft" for c in commitments)


def test_it_refuses_a_standard_whose_code_is_taken_or_malformed(company, unit, quality):
    """STD-1: codes are unique in a company's catalogue; a bad code names the field."""
    services.catalogue_install_pack(company=company, actor=quality)
    item = ServiceItem.objects.get(company=company, code="CLN")
    for code, message in [("CLN-01", "already used"), ("清洁 1", "letters, digits")]:
        with pytest.raises(services.StandardError) as caught:
            services.standard_draft(
                item=item,
                code=code,
                title="t",
                requirement="r",
                dimension="result",
                actor=quality,
            )
        assert caught.value.field == "code" and message in caught.value.reason
