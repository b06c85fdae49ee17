"""French typography for figures, in one place (pages, exports, PDF, e-mails): every figure shown to a person is
written by these functions."""

NARROW_NBSP = "\u202f"


def number(value) -> str:
    """12345 → "12 345", 12.5 → "12,5" (French typography, narrow no-break space)."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", NARROW_NBSP).replace(".", ",")
    return f"{int(value):,}".replace(",", NARROW_NBSP)


def percent(share: float | None, *, missing: str = "—") -> str:
    """0.973 → "97 %" (a narrow no-break space before the sign); None → `missing`."""
    return missing if share is None else f"{round(share * 100)}{NARROW_NBSP}%"


def decimal(value) -> str:
    """A number as a French spreadsheet reads it: 12.5 → "12,5", no grouping (CSV cells)."""
    return str(value).replace(".", ",")
