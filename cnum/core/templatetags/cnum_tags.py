from django import template

register = template.Library()


@register.filter
def column_width(field, wide: str = "") -> int:
    """DSFR grid width of a filter field: 4 for the fields named in `wide` (comma-separated), else 2."""
    return 4 if field.name in {name.strip() for name in wide.split(",") if name.strip()} else 2
