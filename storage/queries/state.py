"""Conversation state rows: read all at start (or one on demand), write changes in batches."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatState, ConversationState, UserState
from storage.queries.inserts import upsert

# (conversation name, key as JSON) -> state as JSON, or None to forget it.
ConversationChanges = Mapping[tuple[str, str], str | None]


class StateQueries:
    """Reads and batched writes of the bot's conversation state."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def conversations(self, since: datetime) -> list[tuple[str, str, str, datetime]]:
        """Every (conversation, key, state, written at) written at or after `since`."""
        rows = await self.session.execute(
            select(
                ConversationState.conversation,
                ConversationState.key,
                ConversationState.state,
                ConversationState.updated_at,
            ).where(ConversationState.updated_at >= since)
        )
        return [(r.conversation, r.key, r.state, r.updated_at) for r in rows]

    async def conversation(self, name: str, key: str, since: datetime) -> str | None:
        """One conversation's state (for a process that reads state per update)."""
        return await self.session.scalar(
            select(ConversationState.state).where(
                ConversationState.conversation == name,
                ConversationState.key == key,
                ConversationState.updated_at >= since,
            )
        )

    async def users(self, since: datetime) -> dict[int, str]:
        """Every user's data written at or after `since`."""
        rows = await self.session.execute(
            select(UserState.user_id, UserState.data).where(UserState.updated_at >= since)
        )
        return {r.user_id: r.data for r in rows}

    async def chats(self, since: datetime) -> dict[int, str]:
        """Every chat's data written at or after `since`."""
        rows = await self.session.execute(
            select(ChatState.chat_id, ChatState.data).where(ChatState.updated_at >= since)
        )
        return {r.chat_id: r.data for r in rows}

    async def save(
        self,
        now: datetime,
        *,
        conversations: ConversationChanges,
        users: Mapping[int, str | None],
        chats: Mapping[int, str | None],
    ) -> None:
        """Write a batch of changes: one statement per table and kind (upsert or delete)."""
        gone = [k for k, v in conversations.items() if v is None]
        if gone:
            await self.session.execute(
                delete(ConversationState).where(
                    tuple_(ConversationState.conversation, ConversationState.key).in_(gone)
                )
            )
        kept = [
            {"conversation": n, "key": k, "state": v, "updated_at": now}
            for (n, k), v in conversations.items()
            if v is not None
        ]
        await self._upsert(ConversationState, ["conversation", "key"], kept, "state")
        for model, column, changes in (
            (UserState, "user_id", users),
            (ChatState, "chat_id", chats),
        ):
            dropped = [i for i, v in changes.items() if v is None]
            if dropped:
                await self.session.execute(
                    delete(model).where(getattr(model, column).in_(dropped))
                )
            rows = [
                {column: i, "data": v, "updated_at": now}
                for i, v in changes.items()
                if v is not None
            ]
            await self._upsert(model, [column], rows, "data")

    async def purge(self, before: datetime) -> int:
        """Forget state not written since `before`; how many rows went."""
        removed = 0
        for model in (ConversationState, UserState, ChatState):
            result = await self.session.execute(delete(model).where(model.updated_at < before))
            removed += int(getattr(result, "rowcount", 0) or 0)
        return removed

    async def _upsert(
        self, model: Any, keys: list[str], rows: list[dict[str, Any]], value: str
    ) -> None:
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        await self.session.execute(upsert(model, tuple(keys), value, dialect), rows)
