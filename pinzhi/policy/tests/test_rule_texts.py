"""How a rule reads to people (issue 8 item 6): its statement follows the value in force, it
is named by its name (never its key), and its source is the regulation's title and clause
(never the seed's file name)."""

import pytest
from django.urls import reverse
from django.utils import translation

from pinzhi.notify.models import Notification
from pinzhi.policy import packs, services
from pinzhi.policy.models import Rule

KEY = "complaints.general_resolution"


@pytest.fixture
def resolution(property_pack):
    return Rule.objects.get(pack__code="property", key=KEY)


@pytest.fixture
def amended_to_one_day(resolution, person_with, django_capture_on_commit_callbacks):
    """The company's quality department proposes one day, leadership approves it."""
    proposer = person_with("quality_department")
    with django_capture_on_commit_callbacks(execute=True):
        amendment = services.amendment_propose(
            rule=resolution, value=1, effective_from=None, reason="加快处理", proposed_by=proposer
        )
        services.amendment_review(
            amendment=amendment, reviewer=person_with("quality_department"), note="可行"
        )
        services.amendment_approve(amendment=amendment, approver=person_with("leadership"))
    return amendment


def test_it_states_the_rule_with_the_value_in_force_after_an_amendment(
    amended_to_one_day, resolution, signed_in
):
    """Issue 8 item 6: after an amendment to 1 day the statement says 1 天, not 「两天内」;
    the regulation's own wording is kept as the quoted source."""
    client = signed_in("quality_department")
    page = client.get(reverse("policy:detail", args=[resolution.pk])).text
    assert "非紧急的一般投诉应在 1 天内解决。" in page
    statement = page.split('data-testid="statement">', 1)[1].split("</p>", 1)[0]
    assert "两天" not in statement and "1 天" in statement
    quote = page.split('data-testid="quoted-statement">', 1)[1].split("</blockquote>", 1)[0]
    assert quote == "非紧急的一般投诉应在两天内解决。"
    listing = client.get(reverse("policy:list"), {"pack": "property", "q": "一般投诉"}).text
    assert "非紧急的一般投诉应在 1 天内解决。" in listing


def test_it_names_the_rule_and_never_shows_its_key(amended_to_one_day, resolution, signed_in):
    """Issue 8 item 6: page titles, breadcrumbs, lists, amendments and notifications show
    「一般投诉解决时限」, never `complaints.general_resolution`."""
    client = signed_in("quality_department")
    for url in [
        reverse("policy:detail", args=[resolution.pk]),
        reverse("policy:list") + "?pack=property&q=CMP-4",
    ]:
        page = client.get(url).text
        assert "一般投诉解决时限" in page and KEY not in page, url
    detail = client.get(reverse("policy:detail", args=[resolution.pk])).text
    assert "<title>一般投诉解决时限 · " in detail
    titles = list(Notification.objects.values_list("title", flat=True))
    assert titles and all(KEY not in title for title in titles)
    assert any("General complaint resolution time limit" in title for title in titles)


def test_it_cites_the_regulation_by_title_and_clause_not_by_file_name(resolution, signed_in):
    """Issue 8 item 6: the source reads 《服务投诉管理制度》第4篇 五.4."""
    page = signed_in("quality_department").get(reverse("policy:detail", args=[resolution.pk]))
    assert "《服务投诉管理制度》第4篇 五.4" in page.text
    assert ".txt" not in page.text and resolution.citation_seed not in page.text
    listing = signed_in("leadership").get(reverse("policy:list"), {"pack": "property"})
    assert ".txt" not in listing.text


@pytest.mark.parametrize("code", packs.available())
def test_every_shipped_rule_has_a_name_a_statement_template_and_a_titled_source(code):
    """Issue 8 item 6: each rule of each pack is named, says where its value goes, and cites
    a regulation by its title."""
    for rule in packs.read_pack(code).rules:
        assert rule.name and rule.name_en, rule.key
        assert rule.template.count("{value}") == 1 == rule.template_en.count("{value}"), rule.key
        source = packs.source_text(rule.seed, rule.clause)
        assert source.startswith("《") and ".txt" not in source, rule.key


def test_it_reads_each_citation_under_its_own_regulation():
    """Issue 8 item 6: a compilation's part, a clause naming its regulation, a numbered
    variant."""
    seed_004, seed_000, seed_003 = (
        "004_a510a77ce72d5ce5.txt",
        "000_14187720112fa1f5.txt",
        "003_a357c3b3d8cd946a.txt",
    )
    assert packs.source_text(seed_004, "第4篇 五.3") == "《服务投诉管理制度》第4篇 五.3"
    assert (
        packs.source_text(seed_000, "物业管理公司服务质量监督检查规定 3.1")
        == "《物业管理公司服务质量监督检查规定》3.1"
    )
    assert (
        packs.source_text(seed_000, "服务质量监督检查管理办法[大全5篇] 三(二)1")
        == "《服务质量监督检查管理办法》三(二)1"
    )
    assert (
        packs.source_text(seed_003, "服务质量管理制度2 第4条") == "《服务质量管理制度（二）》第4条"
    )
    assert (
        packs.source_text("001_2f7c971b23bb6122.txt", "第六章 6.2 1")
        == "《服务质量管理与考核评价制度》第六章 6.2 1"
    )


def test_a_rule_without_a_template_reads_as_its_name_and_value(resolution):
    """Issue 8 item 6: a rule a pack gives no template still states the value in force."""
    resolution.template = resolution.template_en = ""
    with translation.override("zh-hans"):
        assert resolution.statement_with("1 天") == "一般投诉解决时限：1 天"


def test_it_refuses_a_template_that_does_not_say_where_the_value_goes():
    """Issue 8 item 6: a template without {value} would never show the value in force."""
    raw = {
        "key": "complaints.x",
        "requirements": ["CMP-4"],
        "type": "duration",
        "unit": "days",
        "value": 2,
        "citation": {"seed": "004_a510a77ce72d5ce5.txt", "clause": "第4篇 五.4"},
        "statement": "两天内解决。",
        "template": "两天内解决。",
    }
    with pytest.raises(packs.PackError, match="template"):
        packs.parse_rule(raw, source="x.yaml", number=1)
