"""Formatting of statistics in pages: French numbers."""

from django import template

from cnum.core.formatting import number

register = template.Library()


@register.filter
def fr_number(value):
    """12345 → "12 345"; text (a share already formatted, "—") is shown as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else value
    return number(value)


@register.filter
def get(mapping, key):
    """mapping[key] in a template ({{ counts|get:kind }})."""
    return mapping.get(key) if mapping else None
