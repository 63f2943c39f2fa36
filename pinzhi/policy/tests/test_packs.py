"""The shipped packs: every rule cites a clause of a seed, and the seed's figures are there."""

import functools
from datetime import timedelta
from decimal import Decimal

import pytest

from pinzhi.policy import packs, values

PACK_CODES = ["property", "itops", "windows", "retail"]


@functools.cache
def typed_rules(code):
    return {
        rule.key: values.typed(rule.value_type, rule.unit, rule.value)
        for rule in packs.read_pack(code).rules
    }


def test_it_ships_the_four_packs():
    assert packs.available() == sorted(PACK_CODES)


@pytest.mark.parametrize("code", PACK_CODES)
def test_every_rule_cites_a_seed_clause_and_states_itself(code):
    """STD-5: every rule names the seed file and clause it comes from, and says in plain
    words what it means."""
    spec = packs.read_pack(code)
    assert spec.rules
    for rule in spec.rules:
        assert rule.seed in packs.KNOWN_SEEDS, rule.key
        assert rule.clause.strip(), rule.key
        assert rule.statement.strip() and rule.statement_en.strip(), rule.key
        assert rule.requirements, rule.key


@pytest.mark.parametrize("code", PACK_CODES)
def test_company_defaults_say_the_seed_leaves_the_value_open(code):
    for rule in packs.read_pack(code).rules:
        if rule.is_default:
            assert "由公司确定" in rule.statement or "由合同" in rule.statement, rule.key


def test_known_seeds_are_the_seed_files():
    assert set(packs.KNOWN_SEEDS) == {
        "000_14187720112fa1f5.txt",
        "001_2f7c971b23bb6122.txt",
        "002_f29b99bfd1caa562.txt",
        "003_a357c3b3d8cd946a.txt",
        "004_a510a77ce72d5ce5.txt",
    }


@pytest.mark.parametrize("code", PACK_CODES)
def test_complaint_time_limits_are_the_seeds(code):
    """CMP-4: contact within 30 minutes (4 hours at most in special cases), urgent cases on
    site within 10 minutes, general cases resolved within 2 days, the complainant answered
    within 1–3 days (004 第4篇 五.3~4, 第1篇 六.3). CMP-5: callback the same day, every
    complaint."""
    rules = typed_rules(code)
    assert rules["complaints.first_contact"] == timedelta(minutes=30)
    assert rules["complaints.first_contact_special_max"] == timedelta(hours=4)
    assert rules["complaints.urgent_on_site"] == timedelta(minutes=10)
    assert rules["complaints.general_resolution"] == timedelta(days=2)
    assert rules["complaints.answer_complainant"] == values.Range(
        min=timedelta(days=1), max=timedelta(days=3)
    )
    assert rules["complaints.callback_deadline"] == 0
    assert rules["complaints.callback_every_complaint"] is True


def test_rectification_figures_are_the_seeds():
    """NCR-2: a minor cleaning defect is fixed within 1 hour of notice (004 第3篇 (3)4)."""
    assert typed_rules("property")["rectification.minor_cleaning_fix"] == timedelta(hours=1)


def test_supplier_figures_are_the_seeds():
    """NCR-5: 4 failed daily checks or 2 failed weekly checks in a month trigger the
    contract deduction; the contractor is evaluated monthly (004 第3篇 (2), (3)6)."""
    rules = typed_rules("property")
    assert rules["supplier.daily_check_failures"] == 4
    assert rules["supplier.weekly_check_failures"] == 2
    assert rules["supplier.monthly_evaluation"] == values.Frequency(times=1, per="month")


@pytest.mark.parametrize("code", ["property", "windows"])
def test_complaint_deductions_are_the_seeds(code):
    """ASM-4: attitude −5, quarrel/abuse −10, verified complaint −5 × count, supervisor −3 ×
    count from the 2nd, group leader −3 × count from the 3rd (004 第5篇 二.1~2)."""
    rules = typed_rules(code)
    assert rules["assessment.attitude_complaint"] == -5
    assert rules["assessment.quarrel_abuse_complaint"] == -10
    assert rules["assessment.verified_complaint_per_count"] == -5
    assert rules["assessment.supervisor_joint_per_count"] == -3
    assert rules["assessment.supervisor_joint_from_count"] == 2
    assert rules["assessment.leader_joint_per_count"] == -3
    assert rules["assessment.leader_joint_from_count"] == 3


@pytest.mark.parametrize("code", ["property", "windows"])
def test_offence_categories_are_the_seeds(code):
    """ASM-5: category A costs 5–15 points, category B 15–30 points (004 第4篇 九)."""
    rules = typed_rules(code)
    assert rules["assessment.offence_category_a"] == values.Range(min=-15, max=-5)
    assert rules["assessment.offence_category_b"] == values.Range(min=-30, max=-15)


@pytest.mark.parametrize("code", ["property", "windows"])
def test_service_star_is_the_seeds(code):
    """ASM-6: one service star per unit and month, rewarded 500 yuan × consecutive months
    (004 第5篇 二.3)."""
    rules = typed_rules(code)
    assert rules["assessment.service_star_reward"] == Decimal("500")
    assert rules["assessment.service_stars_per_unit"] == 1


@pytest.mark.parametrize("code", ["property", "windows"])
def test_worst_service_is_the_seeds(code):
    """ASM-7: two complaints in a month rate worst service, fined 500 yuan; three ratings
    lead to dismissal (004 第5篇 二.4)."""
    rules = typed_rules(code)
    assert rules["assessment.worst_service_complaints"] == 2
    assert rules["assessment.worst_service_fine"] == Decimal("500")
    assert rules["assessment.worst_service_dismissal"] == 3


def test_inspection_and_report_figures_are_the_seeds():
    """INS-1 frequencies, RPT-1 due days (5th, 10th, 15th), RPT-4 one-year retention."""
    rules = typed_rules("property")
    assert rules["inspections.supervision_check"] == values.Frequency(1, "quarter")
    assert rules["inspections.quality_department_spot_check"] == values.Frequency(1, "month")
    assert rules["inspections.department_manager_check"] == values.Frequency(1, "week")
    assert rules["inspections.cleaning_daily_check"] == values.Frequency(1, "day")
    assert rules["reports.monthly_report_due_day"] == 5
    assert rules["reports.department_report_due_day"] == 10
    assert rules["reports.quarterly_summary_due_day"] == 15
    assert rules["records.inspection_retention"] == 1


def test_service_desk_figures_are_the_seeds():
    """OPS-2: callback within 24 hours; SAT-1: company survey at least yearly; AUD-1: one or
    two internal audits a year (003 制度1 5.1, 4.2(3))."""
    rules = typed_rules("itops")
    assert rules["servicedesk.incident_callback"] == timedelta(hours=24)
    assert rules["surveys.company_survey"] == values.Frequency(1, "year")
    assert rules["audits.internal_audit"] == values.Range(min=1, max=2)


def test_window_figures_are_the_seeds():
    """SAT-2 quarterly satisfaction rate; INS-1 monthly spot check + quarterly joint check
    (000 大全 二(二), 三(二))."""
    rules = typed_rules("windows")
    assert rules["surveys.unit_satisfaction_rate"] == values.Frequency(1, "quarter")
    assert rules["inspections.monthly_spot_check"] == values.Frequency(1, "month")
    assert rules["inspections.quarterly_joint_check"] == values.Frequency(1, "quarter")
    assert rules["surveys.required_satisfaction_rate"] == Decimal("90")


# --- malformed packs -------------------------------------------------------------------------

GOOD_RULE = """
  - key: complaints.first_contact
    requirements: [CMP-4]
    type: duration
    unit: minutes
    value: 30
    citation: {seed: 004_a510a77ce72d5ce5.txt, clause: "第4篇 五.3"}
    statement: 三十分钟内联系客户。
"""


def write_pack(tmp_path, rules, code="demo"):
    (tmp_path / f"{code}.yaml").write_text(
        f"code: {code}\nname: 演示\nrules:\n{rules}", encoding="utf-8"
    )
    return tmp_path


def test_it_reads_a_good_pack(tmp_path):
    spec = packs.read_pack("demo", write_pack(tmp_path, GOOD_RULE))
    assert [rule.key for rule in spec.rules] == ["complaints.first_contact"]


def test_it_names_an_unknown_pack(tmp_path):
    with pytest.raises(packs.PackError, match="“nope”.*property"):
        packs.read_pack("nope")


def test_it_reports_broken_yaml(tmp_path):
    (tmp_path / "demo.yaml").write_text("code: demo\nrules: [\n", encoding="utf-8")
    with pytest.raises(packs.PackError, match="demo.yaml is not valid YAML"):
        packs.read_pack("demo", tmp_path)


@pytest.mark.parametrize(
    "change,field",
    [
        (("value: 30", "value: -30"), "value"),
        (("value: 30", "value: soon"), "value"),
        (("unit: minutes", "unit: fortnights"), "unit"),
        (("type: duration", "type: colour"), "type"),
        (("004_a510a77ce72d5ce5.txt", "999_unknown.txt"), "citation"),
        (('clause: "第4篇 五.3"', 'clause: ""'), "citation"),
        (("requirements: [CMP-4]", "requirements: [cmp4]"), "requirements"),
        (("key: complaints.urgent_on_site", "key: UrgentOnSite"), "key"),
        (("    statement: 三十分钟内联系客户。\n", ""), "statement"),
    ],
)
def test_it_says_which_rule_and_field_is_wrong(tmp_path, change, field):
    rules = GOOD_RULE + GOOD_RULE.replace("first_contact", "urgent_on_site").replace(*change)
    with pytest.raises(packs.PackError) as error:
        packs.read_pack("demo", write_pack(tmp_path, rules))
    assert "demo.yaml, rule 2" in str(error.value)
    assert f"field “{field}”" in str(error.value)


def test_it_refuses_a_key_used_twice(tmp_path):
    with pytest.raises(packs.PackError, match="rule 2 .*“key”: is used by another rule"):
        packs.read_pack("demo", write_pack(tmp_path, GOOD_RULE + GOOD_RULE))


def test_it_refuses_a_range_upside_down(tmp_path):
    rules = GOOD_RULE.replace("type: duration", "type: range").replace(
        "value: 30", "value: {min: 3, max: 1}"
    )
    with pytest.raises(packs.PackError, match="rule 1 .*“value”: The minimum"):
        packs.read_pack("demo", write_pack(tmp_path, rules))


@pytest.mark.parametrize("code", PACK_CODES)
def test_every_pack_has_the_licence_warning_period(code):
    """ORG-4, INS-8: the supervising body checks registration and licence (000 物业管理公司
    服务质量监督检查规定 2.1); the warning period before a licence expires is a company
    default of 90 days, shared by every pack."""
    rule = next(r for r in packs.read_pack(code).rules if r.key == "organisation.licence_warning")
    assert values.typed(rule.value_type, rule.unit, rule.value) == timedelta(days=90)
    assert rule.is_default
    assert rule.requirements == ["ORG-4", "INS-8"]
    assert rule.seed == "000_14187720112fa1f5.txt"
    assert rule.clause == "物业管理公司服务质量监督检查规定 2.1"
    assert "由公司确定" in rule.statement and "leaves" in rule.statement_en
