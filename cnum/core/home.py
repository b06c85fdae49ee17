"""The home page of a signed-in user (`/tableau-de-bord/`): its key figures and the tasks waiting, for the role it
acts in.

cnum.core imports no domain app (STYLE, "Boundaries that hold"): each app contributes its panels through this
registry, from its AppConfig.ready() — `home.register(provider)`, where a provider takes the user and returns a
Panel, a list of them or None when it has nothing for the user's active role.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    detail: str = ""


@dataclass
class Panel:
    """One block of the home page: figures, then tasks (buttons), then a short list of items, then a link on."""

    title: str
    order: int = 50
    figures: list[Figure] = field(default_factory=list)
    tasks: list[Link] = field(default_factory=list)
    items: list[Link] = field(default_factory=list)
    items_title: str = ""
    empty: str = ""
    more: Link | None = None


Provider = Callable[[object], "Panel | list[Panel] | None"]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider of panels (usable as a decorator); registering it twice keeps one."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user) -> list[Panel]:
    """Every panel the providers give the user, in their order."""
    found: list[Panel] = []
    for provider in _providers:
        result = provider(user)
        if isinstance(result, Panel):
            found.append(result)
        elif result:
            found.extend(result)
    return sorted(found, key=lambda panel: panel.order)
