"""Logging filters used by the LOGGING setting."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A refusal (403) or another 4xx is the client's doing, not a fault of the server:
    Django logs it as a warning but attaches the exception, so every refused page would
    print a traceback like a crash. Keep the one-line warning, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
