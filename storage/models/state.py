"""Conversation state kept between restarts: conversation steps, and user and chat data.

Values are JSON text written by the bot's state codec; the database never interprets them.
The anonymous complaint conversation never reaches these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class ConversationState(Base):
    """The step one chat (and user) is at in one named conversation."""

    __tablename__ = "conversation_states"

    conversation: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The conversation's key (chat id, user id) as JSON, e.g. "[42,42]".
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class UserState(Base):
    """What the bot remembers for one Telegram user between updates (drafts, choices)."""

    __tablename__ = "user_states"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ChatState(Base):
    """What the bot remembers for one Telegram chat between updates."""

    __tablename__ = "chat_states"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
