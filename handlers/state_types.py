"""Every value type a conversation keeps in `user_data`: what the state codec may restore.

A type missing here cannot be stored (the codec refuses it on the way in), so a new draft
type is added here with its conversation; `tests/reliability/test_state_codec.py` round-trips
each of them.
"""

from __future__ import annotations

from bot.domain.households import Guarantee
from bot.domain.people import Actor, Scope
from bot.domain.spotcheck import SpotCheckDraft
from bot.domain.visits import DraftLocation, DraftPhoto, VisitDraft
from bot.domain.vocabulary import CheckMethod, Role
from bot.photos.facts import GeoPoint, PhotoFacts, StoredPhoto
from handlers.assist import Draft as AssistDraft
from handlers.household_edit import Pending as HouseholdEdit

STATE_TYPES: tuple[type, ...] = (
    # the cached user (bot/context.py)
    Actor,
    Scope,
    Role,
    # the visit draft
    VisitDraft,
    DraftLocation,
    DraftPhoto,
    PhotoFacts,
    StoredPhoto,
    GeoPoint,
    # assistance and the case record
    AssistDraft,
    HouseholdEdit,
    Guarantee,
    # the office's spot check (the appraisal adjustment keeps a plain dict)
    SpotCheckDraft,
    CheckMethod,
)
