"""What a new user meets on `make demo` (issue 8 item 6): the demo's links follow its port,
and a missing Chinese font is said, by `pinzhi check` and by the demo."""

import os
import subprocess
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from pinzhi.core import printing
from pinzhi.core.management.commands import demo


class FinishedProcess:
    """A web app, worker or clock that stops at once, so that the demo returns."""

    started: list[dict] = []

    def __init__(self, args, **kwargs):
        FinishedProcess.started.append(dict(os.environ))
        self.returncode = 0

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def demo_run(monkeypatch, settings):
    """Run `pinzhi demo` without starting anything or loading data; the environment and the
    settings it changes are restored afterwards."""
    monkeypatch.setattr(os, "environ", os.environ.copy())
    monkeypatch.delenv("PINZHI_SITE_URL", raising=False)
    settings.PINZHI_SITE_URL = demo.DEFAULT_SITE_URL
    monkeypatch.setattr(demo, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        demo,
        "subprocess",
        SimpleNamespace(Popen=FinishedProcess, TimeoutExpired=subprocess.TimeoutExpired),
    )
    monkeypatch.setattr(demo.time, "sleep", lambda seconds: None)
    FinishedProcess.started = []

    def run(*args):
        out, err = StringIO(), StringIO()
        call_command("demo", *args, stdout=out, stderr=err, skip_checks=True)
        return out.getvalue(), err.getvalue()

    return run


@pytest.mark.django_db
def test_it_links_the_demo_to_the_port_it_serves(demo_run, settings):
    """Issue 8 item 6: `make demo PORT=8101` puts :8101, not :8000, into QR codes, e-mails
    and webhooks: the demo's own process and the web app, worker and clock it starts."""
    out, _err = demo_run("--port", "8101")
    assert settings.PINZHI_SITE_URL == "http://127.0.0.1:8101"
    assert [env["PINZHI_SITE_URL"] for env in FinishedProcess.started] == [
        "http://127.0.0.1:8101"
    ] * 3
    assert "http://127.0.0.1:8101" in out


@pytest.mark.django_db
def test_it_keeps_an_explicit_site_address_for_the_demo(demo_run, monkeypatch, settings):
    """Issue 8 item 6: a site address set on purpose (behind a proxy, say) still wins."""
    monkeypatch.setenv("PINZHI_SITE_URL", "https://quality.example.com")
    demo_run("--port", "8101")
    assert settings.PINZHI_SITE_URL == "https://quality.example.com"
    assert {env["PINZHI_SITE_URL"] for env in FinishedProcess.started} == {
        "https://quality.example.com"
    }


def test_it_reaches_a_demo_on_every_interface_on_loopback():
    assert demo.demo_site_url("0.0.0.0", 8101).startswith("http://127.0.0.1:8101")
    assert demo.demo_site_url("::1", 8101) == "http://[::1]:8101"


def test_it_finds_the_chinese_fonts_the_printed_forms_use():
    """The suite's machines have Noto CJK (.ci/run installs fonts-noto-cjk)."""
    assert any("CJK" in family for family in printing.cjk_fonts())
    assert printing.cjk_font_warning() == ""


@pytest.mark.django_db
def test_it_warns_in_check_when_no_font_has_chinese_characters(monkeypatch):
    """Issue 8 item 6: without a CJK font every Chinese character of a PDF is an empty box:
    `pinzhi check` says so and names the package to install."""
    monkeypatch.setattr(printing, "cjk_fonts", lambda: [])
    err = StringIO()
    call_command("check", stdout=StringIO(), stderr=err)
    assert "core.W001" in err.getvalue()
    assert "apt-get install -y fonts-noto-cjk" in err.getvalue()
    assert "空框" in err.getvalue()


@pytest.mark.django_db
def test_it_says_nothing_in_check_when_a_chinese_font_is_installed(monkeypatch):
    monkeypatch.setattr(printing, "cjk_fonts", lambda: ["Noto Sans CJK SC"])
    err = StringIO()
    call_command("check", stdout=StringIO(), stderr=err)
    assert "core.W001" not in err.getvalue()


@pytest.mark.django_db
def test_it_warns_on_the_demo_when_no_font_has_chinese_characters(demo_run, monkeypatch):
    """Issue 8 item 6: `make demo` prints the warning with the rest of its notes."""
    monkeypatch.setattr(printing, "cjk_fonts", lambda: [])
    _out, err = demo_run()
    assert "apt-get install -y fonts-noto-cjk" in err
