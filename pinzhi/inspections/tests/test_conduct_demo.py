"""The demo inspections (issue 10 item 10), made through the conducting services."""

from pinzhi.inspections import demo_conduct
from pinzhi.inspections.demo_conduct import load_demo_inspections
from pinzhi.inspections.models import Inspection, InspectionReport, Signature
from pinzhi.inspections.tests.factories import template_published
from pinzhi.orgs.demo import load_demo_organisation
from pinzhi.orgs.models import Company


def test_a_year_of_inspections_across_the_estates_and_the_contractor(
    db, settings, tmp_path, monkeypatch
):
    """INS-5, INS-7: monthly inspections of the three estates and weekly checks of the
    contractor's cleaning, some failing (photographed and signed for), older ones reported;
    loading again makes nothing more. (A shorter year here: 4 months and 8 weeks.)"""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(demo_conduct, "MONTHS", 4)
    monkeypatch.setattr(demo_conduct, "WEEKS", 8)
    company = load_demo_organisation()
    template_published(company, code="XJ", cadence="monthly")
    template_published(company, code="QJ-W", name="清洁服务周检表", cadence="weekly")
    made = load_demo_inspections()
    inspections = Inspection.objects.filter(company=company)
    assert made == inspections.count() == 4 * 3 + 8
    assert set(inspections.values_list("unit__code", flat=True)) >= {"CH", "BJM", "JG"}
    supplier = Company.objects.get(kind=Company.Kind.SUPPLIER, operator=company)
    assert inspections.filter(supplier=supplier).count() == 8
    assert inspections.filter(passed=False).exists() and Signature.objects.exists()
    assert InspectionReport.objects.filter(status=InspectionReport.Status.SENT).exists()
    assert not inspections.exclude(status__in=["submitted", "reported"]).exists()
    assert load_demo_inspections() == 0
    assert Inspection.objects.filter(company=company).count() == made
