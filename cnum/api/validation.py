"""Checks the API makes on every request before touching the database."""


def has_nul(value) -> bool:
    """Whether a value holds the NUL character, which no text column stores (PostgreSQL refuses it outright)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False
