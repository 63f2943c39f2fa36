import pytest

ASSETS = [
    "/static/vendor/bootstrap/css/bootstrap.min.css",
    "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
    "/static/vendor/bootstrap-icons/font/bootstrap-icons.min.css",
    "/static/django_htmx/htmx-2.min.js",
    "/static/core/pinzhi.css",
]


@pytest.mark.parametrize("path", ASSETS)
def test_the_shell_assets_are_served(client, db, path):
    """The pages are styled: npm assets and app assets are served without collectstatic."""
    response = client.get(path)
    assert response.status_code == 200
