"""The domain's vocabulary: enumerations whose values are stable identifiers (stored in the
database, used in callback data), never translated."""

from __future__ import annotations

import enum


class OrgKind(enum.StrEnum):
    """Levels of the administrative tree."""

    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GROUP = "group"


class Role(enum.StrEnum):
    """What a user may do (DOMAIN.md, "People and roles")."""

    HELPER = "helper"
    OFFICE = "office"
    LEADER = "leader"
    MEMBER = "member"


class HouseholdStatus(enum.StrEnum):
    """Where a household stands in identification and exit."""

    APPLIED = "applied"  # 農戶申請, under review
    POOR = "poor"  # identified and announced
    EXIT_PENDING = "exit_pending"  # exit under verification or public notice
    EXITED = "exited"  # 標注脫貧
    RELAPSE_RISK = "relapse_risk"  # exited but watched (防止返貧)


class BenefitCategory(enum.StrEnum):
    """Policy benefits a household may be entitled to (應享盡享)."""

    INDUSTRY = "industry"
    EMPLOYMENT = "employment"
    EDUCATION = "education"
    HEALTH = "health"
    HOUSING = "housing"
    RELOCATION = "relocation"
    MINIMUM_LIVING = "minimum_living"
    MICROCREDIT = "microcredit"
    ECO_JOB = "eco_job"


class BenefitStatus(enum.StrEnum):
    """Enrolment state of one benefit for one household."""

    NOT_ASSESSED = "not_assessed"
    ELIGIBLE = "eligible"  # eligible but not enrolled
    APPLIED = "applied"
    ENROLLED = "enrolled"
    NOT_ELIGIBLE = "not_eligible"


class Grade(enum.StrEnum):
    """The four appraisal grades: 優秀 / 稱職 / 基本稱職 / 不稱職."""

    EXCELLENT = "excellent"
    COMPETENT = "competent"
    BASIC = "basic"
    INCOMPETENT = "incompetent"


class AppraisalKind(enum.StrEnum):
    """Regular (平時) or annual (年度) appraisal."""

    REGULAR = "regular"
    ANNUAL = "annual"


class CheckMethod(enum.StrEnum):
    """How the office checked a helper's work."""

    DOCUMENTS = "documents"  # 查閱資料
    FIELD = "field"  # 實地走訪
    PHONE = "phone"  # 電話抽查


class ComplaintStatus(enum.StrEnum):
    """Life of a complaint."""

    NEW = "new"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class LocationSource(enum.StrEnum):
    """Where a visit's location came from."""

    SHARED = "shared"  # the phone's location button
    PHOTO_GPS = "photo_gps"  # EXIF GPS of a photo sent as a file
    NONE = "none"


class HomeSource(enum.StrEnum):
    """Where a household's home location came from."""

    IMPORTED = "imported"
    CONFIRMED_VISIT = "confirmed_visit"


class FlagKind(enum.StrEnum):
    """What a flag says is wrong with a visit's evidence; values are stable storage keys."""

    NO_LOCATION = "no_location"
    NO_HOME_LOCATION = "no_home_location"
    FAR_FROM_HOME = "far_from_home"
    GPS_MISMATCH = "gps_mismatch"
    POOR_ACCURACY = "poor_accuracy"
    FORWARDED_LOCATION = "forwarded_location"
    FORWARDED_PHOTO = "forwarded_photo"
    PHOTO_WITHOUT_GPS = "photo_without_gps"
    STALE_PHOTO = "stale_photo"
    PHOTO_AFTER_VISIT = "photo_after_visit"
    DUPLICATE_PHOTO = "duplicate_photo"
    NEAR_DUPLICATE_PHOTO = "near_duplicate_photo"
    IMPOSSIBLE_TRAVEL = "impossible_travel"


class ComplaintCategory(enum.StrEnum):
    """What a public complaint (舉報) is about."""

    FALSIFICATION = "falsification"  # 弄虛作假
    PERFUNCTORY = "perfunctory"  # 敷衍塞責
    CORRUPTION = "corruption"  # 貪污腐敗
    BENEFIT_NOT_RECEIVED = "benefit_not_received"  # 應享未享
    OTHER = "other"


class ComplaintOutcome(enum.StrEnum):
    """What the investigation of a resolved complaint found."""

    SUBSTANTIATED = "substantiated"
    PARTLY = "partly"
    UNSUBSTANTIATED = "unsubstantiated"


class ComplaintMessageKind(enum.StrEnum):
    """A message on a complaint that the reporter sees on /track, or wrote there."""

    ADDITION = "addition"  # the reporter added information
    REPLY = "reply"  # the office answers
    QUESTION = "question"  # the office asks the reporter something


class AppraisalStatus(enum.StrEnum):
    """A draft the office may still change, or a final result nobody may."""

    DRAFT = "draft"
    FINAL = "final"
