"""One-time sign-in codes (issue 6 item 4): an administrator issues a code after a
confirmation and sees it once; the person sets their own password with it on the public
"set your password" page. The code is stored hashed, expires, works once and is bounded by
the sign-in limits."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pinzhi.orgs import services
from pinzhi.orgs.models import PasswordReset
from pinzhi.orgs.tests.factories import PASSWORD
from pinzhi.timeline.models import Event

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Own-choice-2026"


@pytest.fixture
def quality(signed_in):
    return signed_in("quality_department")


@pytest.fixture
def anonymous():
    """A browser of someone not signed in (the administrator's client is another)."""
    return Client()


@pytest.fixture
def staff(person_with):
    return person_with("service_staff", username="mayong")


def set_password(client, username, code, password=NEW_PASSWORD, **extra):
    return client.post(
        reverse("core:password_set"),
        {"username": username, "code": code, "new_password1": password, "new_password2": password},
        **extra,
    )


def test_a_sign_in_code_is_issued_after_a_confirmation_and_shown_once(quality, staff):
    """Issue 6 item 4: the administrator confirms first; the code is in the answer to the
    POST only — not stored readable, not on the person's page, not on the timeline."""
    url = reverse("orgs:person_code", args=[staff.pk])
    confirm = quality.get(url)
    assert confirm.status_code == 200 and 'data-testid="confirm"' in confirm.content.decode()
    assert not PasswordReset.objects.exists()

    issued = quality.post(url)
    assert issued.status_code == 200
    assert issued["Cache-Control"].count("no-store") == 1
    code = issued.context["code"]
    html = issued.content.decode()
    assert code in html and "/account/set-password/?username=mayong" in html
    reset = PasswordReset.objects.get(person=staff)
    assert code.replace("-", "") not in reset.code_hash and len(reset.code_hash) == 64
    detail = quality.get(reverse("orgs:person_detail", args=[staff.pk])).content.decode()
    assert code not in detail and 'data-testid="open-code"' in detail
    event = Event.objects.get(action="person.password_reset_issued")
    assert event.actor == quality.person and code not in str(event.data)


def test_a_person_with_an_e_mail_address_gets_the_code_and_the_administrator_never_sees_it(
    quality, person_with, anonymous, mailoutbox, django_capture_on_commit_callbacks
):
    """Issue 6 item 4: "an administrator sends a reset link or a one-time code": to a person
    with an address the code goes by e-mail, so that the administrator cannot use it."""
    person = person_with("service_staff", username="wujing", email="wujing@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = quality.post(reverse("orgs:person_code", args=[person.pk]))

    assert response.status_code == 302
    page = quality.get(response.url).text
    assert "wujing@example.com" in page and 'data-testid="sign-in-code"' not in page
    (mail,) = mailoutbox
    assert mail.to == ["wujing@example.com"] and "wujing" in mail.body
    code = re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", mail.body).group()
    assert set_password(anonymous, "wujing", code).status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_the_person_sets_their_own_password_with_the_code_once(quality, staff, anonymous):
    """Issue 6 item 4: the code sets the person's own password once; the use is on the
    timeline; the same code does not work a second time."""
    issued = services.password_reset_issue(person=staff, actor=quality.person)
    assert anonymous.get(reverse("core:password_set") + "?username=mayong").status_code == 200
    response = set_password(anonymous, "mayong", issued.display.lower())  # typed loosely
    assert response.status_code == 302 and response.url == reverse("core:login")
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    assert anonymous.login(username="mayong", password=NEW_PASSWORD)
    used = Event.objects.get(action="person.password_reset_used")
    assert used.actor == staff

    again = set_password(anonymous, "mayong", issued.code, password="Someone-else-2026")
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)


def test_the_current_password_works_until_the_code_is_used(quality, staff, anonymous):
    """Issue 6 item 4: issuing a code locks nobody out."""
    services.password_reset_issue(person=staff, actor=quality.person)
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_a_sign_in_code_expires(quality, staff, anonymous, settings):
    """Issue 6 item 4: a code is valid for PINZHI_SIGNIN_CODE_HOURS."""
    settings.PINZHI_SIGNIN_CODE_HOURS = 24
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False) as traveller:
        issued = services.password_reset_issue(person=staff, actor=quality.person)
        traveller.shift(timedelta(hours=24, minutes=1))
        response = set_password(anonymous, "mayong", issued.code)
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_a_new_code_replaces_the_earlier_one(quality, staff, anonymous):
    """Issue 6 item 4: only the latest code of a person works."""
    first = services.password_reset_issue(person=staff, actor=quality.person)
    second = services.password_reset_issue(person=staff, actor=quality.person)
    assert set_password(anonymous, "mayong", first.code).status_code == 200
    assert set_password(anonymous, "mayong", second.code).status_code == 302


def test_the_page_does_not_tell_whether_a_username_exists(quality, staff, anonymous):
    """Issue 6 item 4: an unknown username and a wrong code get the same answer."""
    services.password_reset_issue(person=staff, actor=quality.person)
    unknown = set_password(anonymous, "nobody-here", "ABCD-EFGH-JKMN")
    wrong = set_password(anonymous, "mayong", "ABCD-EFGH-JKMN")
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert "用户名或验证码不正确" in wrong.content.decode()


def test_wrong_codes_count_as_failed_sign_ins_and_are_limited(quality, staff, anonymous, settings):
    """Issue 6 item 4: guessing is rate-limited: wrong codes count as failed sign-ins of
    that username from that address, and then even the right code is refused for a while."""
    settings.PINZHI_SIGNIN_MAX_FAILURES = 3
    issued = services.password_reset_issue(person=staff, actor=quality.person)
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False) as traveller:
        for _ in range(3):
            set_password(anonymous, "mayong", "ABCD-EFGH-JKMN")
        locked = set_password(anonymous, "mayong", issued.code)
        assert locked.status_code == 200
        assert [e.code for e in locked.context["form"].non_field_errors().data] == ["locked_out"]
        traveller.shift(timedelta(minutes=16))
        assert set_password(anonymous, "mayong", issued.code).status_code == 302


def test_a_weak_password_keeps_the_code_usable(quality, staff, anonymous):
    """Issue 6 item 4: the password validators apply; a refused password does not use up
    the code."""
    issued = services.password_reset_issue(person=staff, actor=quality.person)
    weak = set_password(anonymous, "mayong", issued.code, password="12345678")
    assert weak.status_code == 200 and weak.context["form"].errors["new_password1"]
    assert set_password(anonymous, "mayong", issued.code).status_code == 302


def test_no_code_for_oneself_or_for_an_inactive_person(quality, person_with):
    """Issue 6 item 4: one's own password is changed on one's own page; an inactive person
    is activated first."""
    own = quality.post(reverse("orgs:person_code", args=[quality.person.pk]))
    assert own.status_code == 302
    inactive = person_with("service_staff", is_active=False)
    refused = quality.post(reverse("orgs:person_code", args=[inactive.pk]))
    assert refused.status_code == 302
    assert not PasswordReset.objects.exists()


def test_a_new_person_without_a_code_cannot_sign_in_until_they_set_a_password(
    quality, tree, anonymous
):
    """Issue 6 item 4: a new person has no usable password; the code from their creation
    lets them set one."""
    response = quality.post(
        reverse("orgs:person_create"),
        {"username": "xinren", "full_name": "新人", "unit": tree["KF"].pk, "is_active": "on"},
    )
    code = response.context["code"]
    assert not anonymous.login(username="xinren", password="")
    assert set_password(anonymous, "xinren", code).status_code == 302
    assert anonymous.login(username="xinren", password=NEW_PASSWORD)


def test_deactivating_a_person_voids_their_code(quality, staff, anonymous):
    """Issue 6 item 4: a code does not outlive a deactivation, not even after the person
    is activated again."""
    issued = services.password_reset_issue(person=staff, actor=quality.person)
    services.person_update(person=staff, actor=quality.person, is_active=False)
    services.person_update(person=staff, actor=quality.person, is_active=True)
    assert set_password(anonymous, "mayong", issued.code).status_code == 200
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_codes_expired_for_a_month_are_purged_by_the_clock(quality, staff):
    """Issue 6 item 4: the codes do not pile up; the timeline keeps their story."""
    from pinzhi.core import clock as periodic
    from pinzhi.lib.clock import now

    assert periodic.periodic_jobs["core.signin_codes_purge"].every == timedelta(days=1)
    services.password_reset_issue(person=staff, actor=quality.person)
    assert services.password_resets_purge(at=now()) == 0
    with time_machine.travel(now() + timedelta(days=40), tick=False):
        assert services.password_resets_purge(at=now()) == 1
    assert not PasswordReset.objects.exists()
    assert Event.objects.filter(action="person.password_reset_issued").exists()
