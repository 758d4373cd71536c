"""The demo county of the sandbox: imported once into the sandbox database, mirrored as
simulated Telegram users in the emulator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.importing.run import import_helpers, import_households
from bot.importing.samples import TOWNSHIPS, demo_helper_rows, demo_household_rows
from bot.photos import GeoPoint
from bot.runtime import case_rules_from
from emulator.client import ControlClient
from emulator.sandbox.cases import seed_case_records
from storage.db import SessionFactory
from storage.queries import demo

# Telegram ids of the demo people: 10001, 10002, ... in the order of the helpers file.
FIRST_TELEGRAM_ID = 10_001


@dataclass(frozen=True)
class DemoPerson:
    """A demo user as the terminal chat shows them."""

    telegram_id: int
    name: str
    role: str
    phone: str


async def seed_database(sessions: SessionFactory, settings: Settings) -> bool:
    """Import the demo county unless the sandbox database already has users."""
    async with sessions() as session:
        if await demo.user_count(session):
            return False
    async with sessions() as session:
        await import_helpers(
            session,
            demo_helper_rows(),
            skip_bad=False,
            settings=settings,
            source="demo helpers",
            progress=False,
            actor_label="sandbox",
        )
    async with sessions() as session:
        await import_households(
            session,
            demo_household_rows(),
            skip_bad=False,
            settings=settings,
            source="demo households",
            progress=False,
            actor_label="sandbox",
            # Demo ID numbers are fictitious: the public built-in key cannot expose anyone.
            allow_builtin_key=True,
        )
    today = datetime.now(UTC).astimezone(settings.tz).date()
    await seed_case_records(sessions, case_rules_from(settings), today)
    return True


async def demo_people(sessions: SessionFactory) -> list[DemoPerson]:
    """Every demo user with the Telegram id the emulator gives them."""
    async with sessions() as session:
        users = await demo.users_in_order(session)
    return [
        DemoPerson(FIRST_TELEGRAM_ID + i, u.name, str(u.role), u.phone)
        for i, u in enumerate(users)
    ]


async def seed_emulator(control: ControlClient, people: list[DemoPerson]) -> None:
    """Create a simulated Telegram user for every demo person, with their phone number."""
    for person in people:
        await control.create_user(
            person.telegram_id,
            person.name,
            language_code="zh-hans",
            phone=person.phone.removeprefix("+"),
        )


def village_centre(township: str | None, village: str) -> GeoPoint | None:
    """The centre of a demo village, from the same table the demo households were made from."""
    for town, villages in TOWNSHIPS:
        if township is not None and town != township:
            continue
        for name, lat, lon in villages:
            if name == village:
                return GeoPoint(lat, lon)
    return None
