"""No personal data in logs: a filter that masks e-mail addresses and phone numbers in every log record, and
`mask_url` for the web server's access log (cnum.core.access_log).

It is set on the handlers (config/settings/base.py, LOGGING), so it sees the records of every logger, rendered
with their arguments and with their exception's traceback, before anything is written.
"""

import logging
import re
import urllib.parse

EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
# French numbers (0X XX XX XX XX, +33 X…, 0033 X…, with spaces, dots or dashes), and any other "+" number.
FRENCH_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])\+\d(?:[\s.-]?\d){7,14}(?!\d)")
PHONE_MASK = "[téléphone masqué]"
MASK = "[masqué]"
# Query parameters whose whole value is hidden: free-text searches (names, e-mails of people or authors), a visitor's
# position (the public map's "near me", never stored) and the one-time secrets of the ProConnect (OIDC) return.
MASKED_PARAMETERS = ("q", "actor", "code", "state", "lat", "lon")
MASKED_PARAMETER = re.compile(rf"([?&](?:{'|'.join(MASKED_PARAMETERS)})=)[^&\s#\"]*")
# The password-reset link (cnum/accounts/urls.py, "password_reset_confirm"): the account's number and its token, or
# "set-password" once Django has moved the token into the session.
RESET_TOKEN_PATH = re.compile(r"(/mot-de-passe/nouveau/)[^/?#\s\"]+/[^/?#\s\"]+")


def mask_personal_data(text: str) -> str:
    """The text with e-mail local parts and phone numbers hidden (the domain stays: it helps and names no one)."""
    text = EMAIL.sub(r"***@\1", text)
    text = FRENCH_PHONE.sub(PHONE_MASK, text)
    return INTERNATIONAL_PHONE.sub(PHONE_MASK, text)


def mask_url(text: str) -> str:
    """A request line, path, query string or referer with searches, reset tokens, e-mails and phones hidden.

    The text is URL-decoded first, so that `camille%40exemple.fr` is caught as an address."""
    text = MASKED_PARAMETER.sub(rf"\1{MASK}", text)
    text = urllib.parse.unquote(text)
    text = RESET_TOKEN_PATH.sub(rf"\1{MASK}/{MASK}", text)
    return mask_personal_data(text)


class PersonalDataFilter(logging.Filter):
    """Rewrite the record's message (arguments merged in), traceback and stack with personal data masked."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: mask what there is rather than lose the record
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_personal_data(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class ClientErrorsInOneLine(logging.Filter):
    """A 4xx answer is the client's business, not a fault of cnum: its record ("Forbidden (Permission denied):
    /structures/3/", "Not Found: /favicon.ico") keeps its one line and loses the traceback Django attaches. Set on
    the `django.request` logger (config/settings/base.py, LOGGING); 5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info, record.exc_text = None, None
        return True
