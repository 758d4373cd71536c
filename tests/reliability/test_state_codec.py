"""The state codec: every registered draft type comes back equal; nothing else gets in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain.households import Guarantee
from bot.domain.people import Actor, Scope
from bot.domain.spotcheck import SpotCheckDraft
from bot.domain.visits import DraftLocation, DraftPhoto, VisitDraft
from bot.domain.vocabulary import CheckMethod, Role
from bot.photos.facts import GeoPoint, PhotoFacts, StoredPhoto
from bot.state_codec import StateCodec, StateCodecError
from handlers.assist import Draft as AssistDraft
from handlers.household_edit import Pending
from handlers.state_types import STATE_TYPES

WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _facts() -> PhotoFacts:
    return PhotoFacts(
        format="JPEG",
        mime_type="image/jpeg",
        width=1200,
        height=900,
        size_bytes=123_456,
        sha256="ab" * 32,
        phash="0f" * 8,
        gps=GeoPoint(30.5, 114.3, None),
        gps_time=WHEN,
        taken_at=WHEN,
        taken_at_offset_known=True,
        camera_make="Huawei",
        camera_model="P40",
        orientation=1,
        problems=("no_exif",),
        dhash="1" * 16,
    )


def _user_data() -> dict[object, object]:
    draft = VisitDraft(household_id=7, household_name="王家")
    draft.location = DraftLocation(30.5, 114.3, 12.0, False, False, WHEN)
    draft.add_photo(
        DraftPhoto(
            facts=_facts(),
            stored=StoredPhoto(Path("photos/ab/ab/x.jpg"), Path("photos/thumbs/ab/x.jpg")),
            forwarded=False,
            as_document=True,
            sent_at=WHEN,
        )
    )
    return {
        "visit_draft": draft,
        "visit_search": "王",
        "user": (1.5e9, Actor(3, "李", Role.HELPER, "zh-CN", Scope("/1/4/", None), None)),
        "assist_draft": AssistDraft(
            token="a1b2",
            household_id=7,
            head_name="王",
            amount=Decimal("12.50"),
            given_on=date(2026, 11, 19),
        ),
        "household_edit": Pending(
            kind="reason",
            household_id=7,
            step="reason",
            item=Guarantee.HOUSING,
            values={"a": "b"},
            amount=None,
        ),
        "complaint_action": ("resolve", 12, "partly"),
        "flag_clear": 99,
        "spotcheck_draft": SpotCheckDraft(
            token="c3d4",
            helper_id=5,
            helper_name="王芳",
            method=CheckMethod.PHONE,
            household_id=7,
            household_name="李家",
            satisfaction=4,
        ),
        "appraisal_adjusting": {"id": 11, "name": "王芳"},
        42: [1, None, True, 2.5],
    }


def test_every_registered_draft_comes_back_equal() -> None:
    codec = StateCodec(STATE_TYPES)
    data = _user_data()
    text = codec.dumps(data)
    json.loads(text)  # plain JSON, readable by anything
    assert codec.loads(text) == data


def test_an_unregistered_type_is_refused_on_the_way_in() -> None:
    class Session:
        pass

    codec = StateCodec(STATE_TYPES)
    with pytest.raises(StateCodecError):
        codec.dumps({"row": Session()})
    with pytest.raises(StateCodecError):
        codec.dumps({"bytes": b"\xff\xd8"})


def test_a_stored_type_name_that_is_not_registered_is_refused_on_the_way_out() -> None:
    text = StateCodec(STATE_TYPES).dumps({"draft": VisitDraft(1, "x")})
    with pytest.raises(StateCodecError):
        StateCodec([Actor, Scope, Role]).loads(text)
    forged = json.dumps({"$": "o", "t": "os.system", "v": {"command": "true"}})
    with pytest.raises(StateCodecError):
        StateCodec(STATE_TYPES).loads(forged)
