"""Cards other apps add to the account page (opportunities, quotes, the ledger...).

Another app, in its ``AppConfig.ready()``:

    from accounts import panels
    panels.register("opportunities", "sales/_account_opportunities.html", context=fn, order=10)

``context(account, user)`` returns the template's context (a few queries at most, each
bounded), or None when the panel is none of this user's business; the panel is then not
shown. This module imports no other app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable  # (account, user) -> dict | None
    order: int = 50


_panels: dict[str, Panel] = {}


def register(key: str, template: str, *, context: Callable, order: int = 50) -> None:
    _panels[key] = Panel(key, template, context, order)


def for_account(account, user) -> list[tuple[Panel, dict]]:
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        ctx = panel.context(account, user)
        if ctx is not None:
            shown.append((panel, {"account": account, **ctx}))
    return shown
