"""Every state of every conversation hears the main-menu buttons before anything else.

A menu button pressed inside a conversation must open its feature, never become data
(a note, a search, a reason). This checks the wiring of all conversations at once, so a new
one cannot forget it; tests/e2e/test_chat_edges.py shows the behaviour end to end.
"""

from __future__ import annotations

from telegram.ext import ConversationHandler

from handlers import all_handlers


def _conversations() -> list[ConversationHandler]:  # type: ignore[type-arg]
    return [h for h in all_handlers() if isinstance(h, ConversationHandler)]


def _is_menu_handler(handler: object) -> bool:
    callback = getattr(handler, "callback", None)
    return getattr(callback, "__qualname__", "") == "menu_buttons_inside.<locals>.pressed"


def test_every_state_starts_with_the_menu_buttons() -> None:
    conversations = _conversations()
    assert len(conversations) >= 7  # visit, flag clearing, report, track, assist, ...
    forgetful = [
        f"{conversation.name} state {state}"
        for conversation in conversations
        for state, handlers in conversation.states.items()
        if state != ConversationHandler.TIMEOUT and not _is_menu_handler(handlers[0])
    ]
    assert forgetful == []


def test_conversations_come_before_every_other_handler() -> None:
    kinds = [isinstance(h, ConversationHandler) for h in all_handlers()]
    first_plain = kinds.index(False)
    assert all(kinds[:first_plain]) and not any(kinds[first_plain:])
