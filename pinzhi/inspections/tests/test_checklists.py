"""The checklist builder's services (INS-4): drafts, items, publishing, versions, packs."""

from decimal import Decimal

import pytest

from pinzhi.inspections import checklists
from pinzhi.inspections.checklists import ChecklistError
from pinzhi.inspections.models import ChecklistItem, ChecklistTemplate, TemplateVersion
from pinzhi.inspections.tests.factories import inspection_submitted
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.standards.models import ServiceItem, Standard
from pinzhi.timeline.models import Event

Status = TemplateVersion.Status


@pytest.fixture
def quality(person_with):
    return person_with("quality_department")


@pytest.fixture
def draft(company, quality):
    template = checklists.template_create(
        company=company, code="XJ", name="服务质量巡检表", actor=quality
    )
    return template.versions.get()


def _add(draft, actor, code, **fields):
    fields.setdefault("text", f"检查项 {code}")
    return checklists.item_save(version=draft, actor=actor, code=code, **fields)


def _messages(error: DomainError) -> dict[str, str]:
    errors = error.errors or (error,)
    return {e.field: str(e.message) % e.params if e.params else str(e.message) for e in errors}


def test_it_starts_a_new_template_with_an_empty_draft(company, quality, draft):
    """INS-4: a template is built in a draft version first."""
    assert draft.number == 1 and draft.status == Status.DRAFT
    assert Event.objects.filter(action="checklist.created").count() == 1


def test_it_adds_items_at_the_end_and_moves_them(draft, quality):
    """INS-4: items are added, reordered and removed in a draft."""
    a = _add(draft, quality, "A1")
    b = _add(draft, quality, "A2")
    c = _add(draft, quality, "A3")
    checklists.item_move(item=c, up=True, actor=quality)
    assert [i.code for i in draft.items.order_by("order")] == ["A1", "A3", "A2"]
    checklists.item_remove(item=a, actor=quality)
    assert [(i.code, i.order) for i in draft.items.order_by("order")] == [("A3", 1), ("A2", 2)]
    assert b.pk in set(draft.items.values_list("pk", flat=True))


def test_it_refuses_an_item_with_every_reason_on_its_field(draft, quality):
    """INS-4: weight > 0, pass score ≤ maximum score, a code and a text."""
    _add(draft, quality, "A1")
    with pytest.raises(ChecklistError) as refused:
        checklists.item_save(
            version=draft,
            actor=quality,
            code="A1",
            text="",
            weight="0",
            scoring="scale",
            max_score=5,
            pass_score=6,
        )
    messages = _messages(refused.value)
    assert set(messages) == {"code", "text", "weight", "pass_score"}
    assert "A1" in messages["code"] and "6" in messages["pass_score"]
    assert draft.items.count() == 1


def test_it_refuses_a_follow_up_whose_main_item_is_in_another_version(company, draft, quality):
    """INS-4: a follow-up's main item is an item of the same version."""
    other = checklists.template_create(company=company, code="QT", name="其他", actor=quality)
    foreign = _add(other.versions.get(), quality, "X1")
    with pytest.raises(ChecklistError) as refused:
        _add(draft, quality, "F1", follow_up_of=foreign)
    assert "follow_up_of" in _messages(refused.value)


def test_it_keeps_follow_ups_one_level_deep(draft, quality):
    """INS-4: a follow-up hangs on a main item, never on another follow-up; an item with
    follow-ups cannot become one; it is not removed while they hang on it."""
    main = _add(draft, quality, "C2")
    follow = _add(draft, quality, "C2a", follow_up_of=main)
    other = _add(draft, quality, "C3")
    with pytest.raises(ChecklistError):
        _add(draft, quality, "C2b", follow_up_of=follow)
    with pytest.raises(ChecklistError):
        checklists.item_save(version=draft, item=main, actor=quality, follow_up_of=other)
    with pytest.raises(ChecklistError) as refused:
        checklists.item_remove(item=main, actor=quality)
    assert "C2a" in str(refused.value.message) % refused.value.params


def test_it_refuses_a_standard_of_another_company(draft, quality):
    """INS-4: an item links to a standard of the company's own catalogue."""
    stranger = CompanyFactory(name="别家物业")
    service = ServiceItem.objects.create(
        company=stranger, code="CLN", name="清洁", category="cleaning"
    )
    standard = Standard.objects.create(
        company=stranger,
        item=service,
        code="CLN-01",
        title="t",
        requirement="r",
        dimension="result",
    )
    with pytest.raises(ChecklistError) as refused:
        _add(draft, quality, "A1", standard=standard)
    assert "standard" in _messages(refused.value)


def test_a_pass_fail_item_is_scored_out_of_one(draft, quality):
    item = _add(draft, quality, "A1", max_score=7, pass_score=9)
    assert (item.max_score, item.pass_score) == (1, 1)


def test_it_publishes_a_draft_and_freezes_it(draft, quality):
    """INS-4: publishing freezes the version; its items can no longer change."""
    item = _add(draft, quality, "A1")
    checklists.version_publish(version=draft, actor=quality)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.published_at
    assert checklists.template_version_current(draft.template) == draft
    with pytest.raises(ChecklistError):
        checklists.item_save(version=draft, item=item, actor=quality, text="改")
    with pytest.raises(ChecklistError):
        _add(draft, quality, "A2")
    event = Event.objects.get(action="checklist.published")
    assert event.data == {"number": 1, "items": 1}


def test_it_refuses_to_publish_an_empty_draft(draft, quality):
    """INS-4: a checklist has at least one item."""
    with pytest.raises(ChecklistError):
        checklists.version_publish(version=draft, actor=quality)


def test_only_the_quality_department_publishes(draft, quality, person_with):
    """INS-4, ORG-2: an inspector reads checklists but does not publish them."""
    _add(draft, quality, "A1")
    with pytest.raises(DomainError):
        checklists.version_publish(version=draft, actor=person_with("inspector"))
    with pytest.raises(DomainError):
        checklists.item_save(version=draft, actor=person_with("inspector"), code="B", text="x")


def test_a_new_draft_copies_the_latest_version_with_its_follow_ups(draft, quality):
    """INS-4: a new draft is a copy of the latest version; follow-ups hang on the copies."""
    main = _add(draft, quality, "C2", weight="2.5", critical=True)
    _add(draft, quality, "C2a", follow_up_of=main)
    checklists.version_publish(version=draft, actor=quality)
    second = checklists.version_draft_create(template=draft.template, actor=quality)
    assert second.number == 2
    copies = {i.code: i for i in second.items.all()}
    assert copies["C2"].weight == Decimal("2.5") and copies["C2"].critical
    assert copies["C2a"].follow_up_of == copies["C2"]
    with pytest.raises(ChecklistError):
        checklists.version_draft_create(template=draft.template, actor=quality)


def test_publishing_a_new_version_retires_the_old_one(draft, quality):
    """INS-4: new inspections use the newest published version."""
    _add(draft, quality, "A1")
    checklists.version_publish(version=draft, actor=quality)
    second = checklists.version_draft_create(template=draft.template, actor=quality)
    checklists.version_publish(version=second, actor=quality)
    draft.refresh_from_db()
    assert draft.status == Status.RETIRED
    assert checklists.template_version_current(draft.template) == second


def test_a_completed_inspection_keeps_its_version(draft, quality, unit):
    """INS-4: editing and republishing a template never changes a completed inspection's
    items, version or score."""
    _add(draft, quality, "A1", text="着装整洁")
    _add(draft, quality, "A2", text="使用文明用语")
    checklists.version_publish(version=draft, actor=quality)
    done = inspection_submitted(version=draft, unit=unit, results={"A2": "fail"})
    score = (done.score, done.percent, done.passed)

    second = checklists.version_draft_create(template=draft.template, actor=quality)
    changed = second.items.get(code="A1")
    checklists.item_save(version=second, item=changed, actor=quality, text="改过的文字", weight=5)
    checklists.item_remove(item=second.items.get(code="A2"), actor=quality)
    checklists.version_publish(version=second, actor=quality)

    done.refresh_from_db()
    assert done.template_version_id == draft.pk
    assert [a.item.text for a in done.answers.order_by("item__order")] == [
        "着装整洁",
        "使用文明用语",
    ]
    assert (done.score, done.percent, done.passed) == score
    assert draft.items.get(code="A1").weight == 1


def test_it_retires_a_published_version(draft, quality):
    _add(draft, quality, "A1")
    checklists.version_publish(version=draft, actor=quality)
    checklists.version_retire(version=draft, actor=quality)
    assert checklists.template_version_current(draft.template) is None
    with pytest.raises(DomainError):
        checklists.version_retire(version=draft, actor=quality)


def test_it_discards_a_draft(draft, quality):
    _add(draft, quality, "A1")
    checklists.version_discard(version=draft, actor=quality)
    assert not TemplateVersion.objects.filter(pk=draft.pk).exists()
    assert Event.objects.filter(action="checklist.discarded").exists()


def test_the_template_code_is_unique_in_the_company(company, quality, draft):
    with pytest.raises(ChecklistError) as refused:
        checklists.template_create(company=company, code="XJ", name="再来", actor=quality)
    assert "code" in _messages(refused.value)
    with pytest.raises(ChecklistError) as refused:
        checklists.template_create(
            company=company, code="X2", name="再来", pass_percent="120", actor=quality
        )
    assert "pass_percent" in _messages(refused.value)


@pytest.mark.parametrize("pack", ["property", "itops", "windows", "retail"])
def test_it_installs_the_seeds_templates_of_each_pack_once(company, pack):
    """INS-4: each pack's templates from the seeds are ready, published as version 1;
    installing twice changes nothing."""
    installed = checklists.checklists_install_pack(company=company, pack=pack)
    names = {t.name for t in installed}
    assert "服务质量巡检表" in names
    expected = {
        "property": {"清洁服务日检查表", "清洁服务周检表", "清洁服务质量月检表"},
        "itops": {"运维服务质量检查表"},
        "windows": {"服务窗口服务质量检查表"},
        "retail": {"店面服务质量检查表", "食堂餐饮服务检查表"},
    }[pack]
    assert expected <= names
    for template in installed:
        current = checklists.template_version_current(template)
        assert current is not None and current.number == 1 and current.items.exists()
    counts = (ChecklistTemplate.objects.count(), ChecklistItem.objects.count())
    again = checklists.checklists_install_pack(company=company, pack=pack)
    assert {t.pk for t in again} == {t.pk for t in installed}
    assert (ChecklistTemplate.objects.count(), ChecklistItem.objects.count()) == counts


def test_the_cleaning_checks_carry_their_cadences(company):
    """INS-4, NCR-5: 清洁服务日检查表 / 周检表 / 质量月检表 are daily, weekly, monthly checks."""
    installed = {
        t.code: t for t in checklists.checklists_install_pack(company=company, pack="property")
    }
    assert (installed["CLN-D"].cadence, installed["CLN-W"].cadence) == ("daily", "weekly")
    assert installed["CLN-M"].cadence == "monthly"


def test_installed_items_link_to_the_catalogue_by_code(company):
    """INS-4: an item names its standard by code; without it in the catalogue, no link."""
    service = ServiceItem.objects.create(
        company=company, code="CLN", name="清洁", category="cleaning"
    )
    standard = Standard.objects.create(
        company=company,
        item=service,
        code="CLN-01",
        title="公共场所每天至少打扫一次",
        requirement="公共场所每天至少打扫一次",
        dimension="environment",
    )
    checklists.checklists_install_pack(company=company, pack="property")
    daily = ChecklistTemplate.objects.get(company=company, code="CLN-D")
    items = {i.code: i for i in checklists.template_version_current(daily).items.all()}
    assert items["D01"].standard == standard
    assert items["D02"].standard is None


def test_the_maximum_score_leaves_follow_ups_out(draft, quality):
    main = _add(draft, quality, "C2", weight=2)
    _add(draft, quality, "C2a", follow_up_of=main, weight=3)
    _add(draft, quality, "C3", scoring="scale", max_score=5, pass_score=3)
    assert checklists.version_max_score(checklists.version_items(draft)) == Decimal(3)


def test_a_new_follow_up_goes_right_after_its_main_item(draft, quality):
    """INS-4: a follow-up stays with its main item (and its section) in the form."""
    main = _add(draft, quality, "C2", section="服务质量")
    _add(draft, quality, "D1", section="环境卫生")
    _add(draft, quality, "C2a", section="服务质量", follow_up_of=main)
    _add(draft, quality, "C2b", section="服务质量", follow_up_of=main)
    assert [i.code for i in draft.items.order_by("order")] == ["C2", "C2a", "C2b", "D1"]
