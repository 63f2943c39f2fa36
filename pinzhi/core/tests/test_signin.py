import pytest
import time_machine
from django.urls import reverse

from pinzhi.orgs.tests.factories import PASSWORD


@pytest.fixture
def person(person_with):
    return person_with("inspector", username="zhang")


def sign_in(client, password):
    return client.post(reverse("core:login"), {"username": "zhang", "password": password})


def test_it_signs_in_and_shows_the_home_page(client, person):
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_it_stores_passwords_with_argon2(person, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    person.set_password("another-Secret-9")
    assert person.password.startswith("argon2")


def test_it_locks_the_account_after_repeated_failures(client, person, settings):
    settings.PINZHI_SIGNIN_MAX_FAILURES = 3
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False):
        for _ in range(3):
            assert sign_in(client, "wrong").status_code == 200
        response = sign_in(client, PASSWORD)
        assert response.status_code == 200
        assert "locked_out" in [e.code for e in response.context["form"].non_field_errors().data]


def test_the_lock_lifts_after_the_window(client, person, settings):
    settings.PINZHI_SIGNIN_MAX_FAILURES = 3
    settings.PINZHI_SIGNIN_LOCK_MINUTES = 15
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False) as traveller:
        for _ in range(3):
            sign_in(client, "wrong")
        traveller.shift(16 * 60)
        assert sign_in(client, PASSWORD).status_code == 302


def test_a_success_clears_earlier_failures(client, person, settings):
    settings.PINZHI_SIGNIN_MAX_FAILURES = 3
    sign_in(client, "wrong")
    sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    sign_in(client, "wrong")
    sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_home_page_needs_a_signed_in_person(client, db):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(client, person, settings):
    """Anyone can type a username: failures from one address lock that address out for the
    account, never the account's owner signing in from another."""
    settings.PINZHI_SIGNIN_MAX_FAILURES = 3
    url = reverse("core:login")
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False):
        for _ in range(3):
            client.post(url, {"username": "zhang", "password": "wrong"}, REMOTE_ADDR="10.0.0.66")
        locked = client.post(
            url, {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR="10.0.0.66"
        )
        assert locked.status_code == 200
        assert "locked_out" in [e.code for e in locked.context["form"].non_field_errors().data]
        owner = client.post(
            url, {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
        )
        assert owner.status_code == 302


def test_the_lock_out_message_shows_local_time(client, person, settings):
    settings.PINZHI_SIGNIN_MAX_FAILURES = 3
    settings.PINZHI_SIGNIN_LOCK_MINUTES = 15
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False):
        for _ in range(3):
            sign_in(client, "wrong")
        response = sign_in(client, PASSWORD)
    [error] = response.context["form"].non_field_errors()
    assert "09:15" in error or "9:15" in error, error


def test_one_address_is_locked_out_after_many_failures_across_accounts(
    client, person, person_with, settings
):
    """Issue 6 item 9: one address trying a password on account after account is stopped
    after PINZHI_SIGNIN_ADDRESS_MAX_FAILURES failures in the window, whatever the usernames
    (existing or not) — even the right password is refused from there, with the same
    message for every username — while other addresses sign in; it lifts after the window."""
    settings.PINZHI_SIGNIN_MAX_FAILURES = 5
    settings.PINZHI_SIGNIN_ADDRESS_MAX_FAILURES = 4
    settings.PINZHI_SIGNIN_LOCK_MINUTES = 15
    url = reverse("core:login")
    attacker, owner = "10.0.0.66", "10.0.0.7"
    for n in range(3):
        person_with("service_staff", username=f"staff{n}")
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False) as traveller:
        for username in ("staff0", "staff1", "staff2", "no-such-person"):
            answer = client.post(
                url, {"username": username, "password": "Spring2026"}, REMOTE_ADDR=attacker
            )
            assert answer.status_code == 200
        refused = [
            client.post(url, {"username": name, "password": PASSWORD}, REMOTE_ADDR=attacker)
            for name in ("zhang", "nobody")
        ]
        errors = [r.context["form"].non_field_errors() for r in refused]
        assert [e.code for e in errors[0].data] == ["address_locked_out"]
        assert errors[0] == errors[1]  # no hint whether the account exists
        assert "网络地址" in errors[0][0] and "09:15" in errors[0][0]
        assert (
            client.post(
                url, {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR=owner
            ).status_code
            == 302
        )
        client.logout()
        traveller.shift(16 * 60)
        assert (
            client.post(
                url, {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR=attacker
            ).status_code
            == 302
        )


def test_the_address_limit_defaults_to_twenty_failures(settings):
    """Issue 6 item 9: a sensible default, per 15 minutes."""
    from pinzhi import settings as defaults

    assert defaults.PINZHI_SIGNIN_ADDRESS_MAX_FAILURES == 20
    assert defaults.PINZHI_SIGNIN_LOCK_MINUTES == 15


def test_a_success_does_not_wipe_the_failures_of_its_address(client, person, settings):
    """Issue 7 item 6: signing in to one account clears that account's failures from the
    address, not the address's count (which a valid account could otherwise reset between
    guesses on others)."""
    settings.PINZHI_SIGNIN_ADDRESS_MAX_FAILURES = 3
    url = reverse("core:login")
    sign_in(client, "wrong")
    client.post(url, {"username": "staff0", "password": "Spring2026"})
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    client.post(url, {"username": "staff1", "password": "Spring2026"})
    refused = sign_in(client, PASSWORD)
    assert "address_locked_out" in [e.code for e in refused.context["form"].non_field_errors().data]


def test_the_lock_out_lasts_the_window_after_the_last_failure(client, person, settings):
    """Issue 6 item 9, kept by issue 7 item 6: locked until the window after the failure
    that filled the limit, as the message says."""
    settings.PINZHI_SIGNIN_MAX_FAILURES = 2
    settings.PINZHI_SIGNIN_LOCK_MINUTES = 15
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False) as traveller:
        sign_in(client, "wrong")
        traveller.shift(10 * 60)
        sign_in(client, "wrong")
        traveller.shift(10 * 60)
        refused = sign_in(client, PASSWORD)
        assert "09:25" in refused.context["form"].non_field_errors()[0]
        traveller.shift(6 * 60)
        assert sign_in(client, PASSWORD).status_code == 302
