"""ORG-1/ORG-2 on PostgreSQL: two confirmations of the same import, or two assignments of
the same role at once, end in one result and a clear answer — never an IntegrityError."""

import threading

import pytest
from django.db import connection, connections

from pinzhi.core.models import ImportBatch
from pinzhi.orgs import services, spreadsheets
from pinzhi.orgs.models import RoleAssignment, Unit
from pinzhi.orgs.tests.conftest import make_workbook

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
    ),
]


def pending_batches():
    """The organisation import batches waiting for their confirmation (issue 7 item 3)."""
    return ImportBatch.objects.filter(kind="orgs", state=ImportBatch.State.PLANNED)


def _race(n, work):
    start = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            start.wait()
            results.append(work(i))
        except BaseException as error:  # noqa: BLE001 - reported by the assertions
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_confirmations_import_once(person_with, company):
    qd = person_with("quality_department")
    content = make_workbook([["HQ", "总部", "部门", "", "", ""]])
    plan = spreadsheets.org_import_plan(user=qd, company=company, content=content)
    pending = spreadsheets.org_import_stash(
        owner=qd, company=company, filename="o.xlsx", content=content, plan_digest=plan.digest
    )
    results, errors = _race(
        2,
        lambda i: spreadsheets.org_import_confirm(
            user=qd, pending=pending, expected_digest=pending.meta["digest"]
        ),
    )
    assert len(results) == 1
    assert [type(e) for e in errors] == [spreadsheets.ImportAlreadyDone]
    assert Unit.objects.filter(code="HQ").count() == 1
    assert not pending_batches().exists()


def test_concurrent_assignments_of_one_role_make_one(person_with, unit):
    target = person_with()
    results, errors = _race(
        4, lambda i: services.role_assign(person=target, role="inspector", scope=[unit])
    )
    assert errors == []
    assert RoleAssignment.objects.filter(person=target, role="inspector").count() == 1
