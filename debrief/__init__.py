"""OIC Debrief: structured debriefs after organised immigration crime events.

`create_app` is imported on first use, so that importing a Flask-free domain module
(the export's writer child, a command that checks a question file) does not import Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
