"""Random sampling of units, reproducible from its record (INS-3)."""

import hashlib
from decimal import Decimal

import pytest

from pinzhi.inspections import sampling
from pinzhi.inspections.models import SamplingDraw
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.timeline.models import Event


def test_it_draws_the_ceiling_of_the_proportion():
    """INS-3: ⌈p·N⌉ units, at least one, never more than N."""
    assert sampling.sample_size(Decimal(20), 10) == 2
    assert sampling.sample_size(Decimal(20), 11) == 3
    assert sampling.sample_size(Decimal("0.5"), 3) == 1
    assert sampling.sample_size(Decimal(100), 7) == 7
    assert sampling.sample_size(Decimal(20), 0) == 0


def test_it_ranks_units_by_the_sha256_of_seed_and_id_as_documented():
    """INS-3: sha256-rank-v1 is reproducible in any language from the seed and the ids."""
    seed, population = "00ff", [5, 3, 9, 1]
    expected = sorted(population, key=lambda u: hashlib.sha256(f"{seed}:{u}".encode()).hexdigest())[
        :2
    ]
    assert sampling.draw_units(seed=seed, population=population, percent=50) == expected


def test_it_reproduces_a_recorded_draw_from_its_seed(company, person_with):
    """INS-3: the draw recorded (seed, algorithm, population) re-runs to the same units."""
    units = [UnitFactory(company=company) for _ in range(12)]
    planner = person_with("quality_department")
    draw = sampling.draw_make(
        company=company, units=units, percent=25, actor=planner, purpose="季度全面检查"
    )
    assert len(draw.drawn) == 3
    assert draw.population == sorted(u.pk for u in units)
    stored = SamplingDraw.objects.get(pk=draw.pk)
    assert sampling.draw_rerun(stored) == stored.drawn
    assert Event.objects.get(action="sampling.drawn").data["seed"] == draw.seed


def test_two_draws_have_their_own_seeds(company, person_with):
    units = [UnitFactory(company=company) for _ in range(5)]
    planner = person_with("quality_department")
    one = sampling.draw_make(company=company, units=units, percent=40, actor=planner)
    two = sampling.draw_make(company=company, units=units, percent=40, actor=planner)
    assert one.seed != two.seed


@pytest.mark.parametrize("percent", [0, -5, 101, "abc"])
def test_it_refuses_a_proportion_out_of_range(company, person_with, percent):
    units = [UnitFactory(company=company)]
    with pytest.raises(sampling.SamplingError) as refused:
        sampling.draw_make(
            company=company, units=units, percent=percent, actor=person_with("quality_department")
        )
    assert refused.value.field == "percent"
    assert not SamplingDraw.objects.exists()


def test_the_draw_page_reruns_the_draw(company, person_with, signed_in):
    """INS-3: 复核抽样 on the draw's page shows the same units."""
    units = [UnitFactory(company=company) for _ in range(6)]
    client = signed_in("quality_department")
    draw = sampling.draw_make(company=company, units=units, percent=50, actor=client.person)
    response = client.get(f"/inspections/plans/draws/{draw.pk}/?verify=1")
    assert response.status_code == 200
    assert "同样的单位".encode() in response.content or b"verify-result" in response.content
    assert b"alert-success" in response.content


def test_the_draw_form_refuses_with_a_message_beside_the_field(company, signed_in):
    UnitFactory(company=company)
    client = signed_in("quality_department")
    response = client.post("/inspections/plans/draws/", {"purpose": "x", "percent": "5"})
    assert response.status_code == 400
    assert not SamplingDraw.objects.exists()
