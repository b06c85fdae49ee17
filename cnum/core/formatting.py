"""French typography for figures, in one place (pages, exports, e-mails)."""


def number(value) -> str:
    """12345 → "12 345", 12.5 → "12,5" (French typography, narrow no-break space)."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    return f"{int(value):,}".replace(",", "\u202f")


def percent(share: float | None) -> str:
    """0.973 → "97 %" (a no-break space before the sign); None → "—"."""
    return "—" if share is None else f"{round(share * 100)}\u00a0%"
