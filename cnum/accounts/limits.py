"""How often a password-reset e-mail may be asked for (issue #15): per e-mail address and per client address.

Without a limit, anyone could make cnum send e-mail after e-mail to an agent. The rates are settings
(CNUM_PASSWORD_RESET_RATE_PER_EMAIL, "1/15min"; CNUM_PASSWORD_RESET_RATE_PER_IP, "10/hour"); the counts live in
the shared cache under a digest of the address, never the address itself. Whoever asks sees the same page either
way: the limit, like the existence of an account, is never revealed.
"""

import hashlib
import logging

from django.conf import settings

from cnum.core import ratelimit

logger = logging.getLogger(__name__)


def password_reset_allowed(*, email: str, request) -> bool:
    """Whether a reset e-mail may go to `email` for this client; counts the request in both windows."""
    address = ratelimit.client_address(request)
    if ratelimit.hit(f"cnum-reset:ip:{address}", settings.CNUM_PASSWORD_RESET_RATE_PER_IP) is not None:
        logger.warning("Réinitialisation du mot de passe : trop de demandes d'un même client, aucun courriel envoyé.")
        return False
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if ratelimit.hit(f"cnum-reset:email:{digest}", settings.CNUM_PASSWORD_RESET_RATE_PER_EMAIL) is not None:
        logger.info("Réinitialisation du mot de passe : demande répétée pour une même adresse, aucun courriel envoyé.")
        return False
    return True
