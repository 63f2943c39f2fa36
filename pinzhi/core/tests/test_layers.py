"""Issue 7 item 8: layers you can check. The shell sits below the apps and names none of
them; what it needs from an app, the app registers in its AppConfig.ready."""

from pathlib import Path

from importlinter.cli import lint_imports

from pinzhi.core.accounts import account_services
from pinzhi.core.demo import demo_parts
from pinzhi.orgs import services as org_services
from pinzhi.orgs.selectors import licence_warning

ROOT = Path(__file__).resolve().parents[3]


def test_it_keeps_every_import_contract():
    """Issue 7 item 8: the layers, the forbidden imports and no cycles (pyproject.toml,
    [tool.importlinter]); `make lint` runs the same check."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_it_loads_the_demo_organisation_before_the_demo_complaints():
    """Issue 7 item 8: `pinzhi load_demo` runs what the apps registered, the organisation
    first (the complaints are made in it)."""
    names = [part.name for part in demo_parts()]
    assert names.index("orgs") < names.index("complaints")


def test_it_gives_the_shell_the_account_services_of_the_organisation_app():
    """Issue 7 item 8: the shell's password pages call the services orgs registered."""
    services = account_services()
    assert services.change_password is org_services.person_change_password
    assert services.redeem_code is org_services.password_reset_redeem
    assert services.purge_codes is org_services.password_resets_purge


def test_it_reads_the_licence_warning_through_the_reader_the_policy_app_gave(db):
    """Issue 7 item 8, ORG-4: no policy pack loaded, no warning period (only expired
    licences are flagged), as before the reader moved behind a registration."""
    assert licence_warning("no-such-pack", company=None) is None
