"""Production settings: HTTPS only, a real secret key required."""

from django.core.exceptions import ImproperlyConfigured

from pinzhi.lib.env import env_int
from pinzhi.settings import *  # noqa: F403
from pinzhi.settings import MAILERS, SECRET_KEY

if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set PINZHI_SECRET_KEY to a random string of 50+ characters.")

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("PINZHI_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = VAR_DIR / "static"  # noqa: F405 — filled by `pinzhi collectstatic`

if MAILERS["default"]["BACKEND"].endswith("console.EmailBackend"):
    # Without PINZHI_EMAIL_HOST, hand mail to the local MTA rather than printing it.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "localhost", "port": 25, "timeout": 20},
        }
    }
