"""Loading packs (STD-5): idempotent, and never overwriting a value the quality department
revised."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from pinzhi.policy import packs, services
from pinzhi.policy.models import BEGINNING, PolicyPack, Rule, RuleVersion
from pinzhi.policy.selectors import rule_value

DEMO_PACK = """code: demo
name: 演示
rules:
  - key: complaints.first_contact
    requirements: [CMP-4]
    type: duration
    unit: minutes
    value: {value}
    citation: {{seed: 004_a510a77ce72d5ce5.txt, clause: "第4篇 五.3"}}
    statement: {statement}
"""


def demo_pack(*, value=30, statement="三十分钟。"):
    """A one-rule pack file: the first-contact limit in minutes."""
    return DEMO_PACK.format(value=value, statement=statement)


def test_it_loads_a_pack_with_one_version_per_rule(property_pack):
    pack = PolicyPack.objects.get(code="property")
    rules = Rule.objects.filter(pack=pack)
    assert rules.count() == len(packs.read_pack("property").rules)
    version = RuleVersion.objects.get(rule__key="complaints.first_contact", rule__pack=pack)
    assert version.author is None
    assert version.reason == "loaded from pack"
    assert version.from_pack
    assert version.effective_from == BEGINNING


def test_loading_again_changes_nothing(property_pack):
    before = RuleVersion.objects.count()
    report = services.pack_load(code="property")
    assert RuleVersion.objects.count() == before
    assert not report.created and not report.updated_value
    assert len(report.unchanged) == Rule.objects.filter(pack__code="property").count()


def test_loading_keeps_a_revised_value(first_contact, person_with):
    """STD-5: the quality department's value survives a reload of the pack."""
    editor = person_with("quality_department")
    services.rule_revise(
        rule=first_contact,
        value=20,
        effective_from=None,
        author=editor,
        reason="更严格",
        company=None,
    )
    report = services.pack_load(code="property")
    assert "complaints.first_contact" in report.kept_revised
    assert rule_value("complaints.first_contact", pack="property", company=None) == timedelta(
        minutes=20
    )


def test_loading_updates_texts_adds_rules_and_follows_a_changed_pack_value(tmp_path, db):
    pack_file = tmp_path / "demo.yaml"
    rule = """
  - key: complaints.first_contact
    requirements: [CMP-4]
    type: duration
    unit: minutes
    value: {value}
    citation: {{seed: 004_a510a77ce72d5ce5.txt, clause: "{clause}"}}
    statement: {statement}
"""
    pack_file.write_text(
        "code: demo\nname: 演示\nrules:\n"
        + rule.format(value=30, clause="第4篇 五.3", statement="旧"),
        encoding="utf-8",
    )
    with time_machine.travel("2026-01-01 09:00 +0800", tick=False):
        services.pack_load(code="demo", directory=tmp_path)
    pack_file.write_text(
        "code: demo\nname: 演示\nrules:\n"
        + rule.format(value=25, clause="第4篇 五.3（修订）", statement="新")
        + rule.format(value=10, clause="第4篇 五.4", statement="到场").replace(
            "first_contact", "urgent_on_site"
        ),
        encoding="utf-8",
    )
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        report = services.pack_load(code="demo", directory=tmp_path)
    assert report.created == ["complaints.urgent_on_site"]
    assert report.updated_value == ["complaints.first_contact"]
    first = Rule.objects.get(pack__code="demo", key="complaints.first_contact")
    assert (first.statement, first.citation_clause) == ("新", "第4篇 五.3（修订）")
    # The old pack value still applies to cases started before the reload.
    at_old = rule_value(
        "complaints.first_contact",
        pack="demo",
        at=first.versions.last().effective_from,
        company=None,
    )
    assert at_old == timedelta(minutes=30)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        assert rule_value("complaints.first_contact", pack="demo", company=None) == timedelta(
            minutes=25
        )


def test_it_refuses_a_pack_that_changes_a_rules_type(tmp_path, db):
    pack_file = tmp_path / "demo.yaml"
    text = demo_pack()
    pack_file.write_text(text, encoding="utf-8")
    services.pack_load(code="demo", directory=tmp_path)
    pack_file.write_text(text.replace("unit: minutes", "unit: hours"), encoding="utf-8")
    with pytest.raises(packs.PackError, match="complaints.first_contact changes its type"):
        services.pack_load(code="demo", directory=tmp_path)


def test_the_command_loads_all_packs_and_lists_them(db, capsys):
    call_command("policy", "load", "--all")
    assert set(PolicyPack.objects.values_list("code", flat=True)) == {
        "property",
        "itops",
        "windows",
        "retail",
    }
    call_command("policy", "list")
    call_command("policy", "list", "property")
    out = capsys.readouterr().out
    assert "property: " in out and "new" in out
    assert "complaints.first_contact" in out


def test_the_command_names_an_unknown_pack(db):
    with pytest.raises(CommandError, match="There is no policy pack “nope”"):
        call_command("policy", "load", "nope")


def test_a_load_is_one_timeline_event_with_its_report(property_pack):
    """X-1: loading a pack writes rules and versions; one event on the pack records what."""
    from pinzhi.timeline.models import Event

    event = Event.objects.get(action="policy.pack_loaded")
    assert event.object_id == str(PolicyPack.objects.get(code="property").pk)
    assert "complaints.first_contact" in event.data["created"]
    assert event.before["complaints.first_contact"] is None
    assert event.after["complaints.first_contact"]["value"] == 30
    assert event.after["complaints.first_contact"]["citation_clause"] == "第4篇 五.3"
    services.pack_load(code="property")  # nothing changed: nothing to record
    assert Event.objects.filter(action="policy.pack_loaded").count() == 1


def test_a_reload_records_the_changed_value_and_texts_before_and_after(tmp_path, db):
    """X-1: a changed pack value or text is recorded with the old and the new one."""
    from pinzhi.timeline.models import Event

    (tmp_path / "demo.yaml").write_text(demo_pack(value=30, statement="旧"), encoding="utf-8")
    services.pack_load(code="demo", directory=tmp_path)
    (tmp_path / "demo.yaml").write_text(demo_pack(value=25, statement="新"), encoding="utf-8")
    services.pack_load(code="demo", directory=tmp_path)
    event = Event.objects.filter(action="policy.pack_loaded").order_by("-id").first()
    assert event.data["updated_value"] == ["complaints.first_contact"]
    assert event.data["texts_changed"] == ["complaints.first_contact"]
    assert event.before["complaints.first_contact"]["value"] == 30
    assert event.before["complaints.first_contact"]["statement"] == "旧"
    assert event.after["complaints.first_contact"]["value"] == 25
    assert event.after["complaints.first_contact"]["statement"] == "新"


def test_a_failed_load_records_no_event(tmp_path, db):
    """X-1: the event is in the load's transaction."""
    from pinzhi.timeline.models import Event

    text = demo_pack()
    (tmp_path / "demo.yaml").write_text(text, encoding="utf-8")
    services.pack_load(code="demo", directory=tmp_path)
    (tmp_path / "demo.yaml").write_text(
        text.replace("statement: 三十分钟。", "statement: 新。").replace("minutes", "hours"),
        encoding="utf-8",
    )
    with pytest.raises(packs.PackError):
        services.pack_load(code="demo", directory=tmp_path)
    assert Event.objects.filter(action="policy.pack_loaded").count() == 1
