"""Every table of the bangfu database."""

from storage.models.complaints import ComplaintAttachment, ComplaintMessage, ComplaintNote
from storage.models.org import Department, OrgUnit
from storage.models.oversight import (
    Appraisal,
    AuditEntry,
    Complaint,
    Invite,
    Rectification,
    RepairRequest,
    SpotCheck,
)
from storage.models.people import Household, Pairing, User
from storage.models.photo_search import PhotoHashChunk, PhotoWord
from storage.models.records import (
    Assistance,
    BenefitEnrolment,
    GuaranteeRecord,
    HelpPlan,
    HouseholdStatusChange,
    IncomeEntry,
)
from storage.models.reminders import Nudge, Unreachable
from storage.models.state import ChatState, ConversationState, UserState
from storage.models.visits import Photo, Visit, VisitFlag

__all__ = [
    "Appraisal",
    "Assistance",
    "AuditEntry",
    "BenefitEnrolment",
    "ChatState",
    "Complaint",
    "ComplaintAttachment",
    "ComplaintMessage",
    "ComplaintNote",
    "ConversationState",
    "Department",
    "GuaranteeRecord",
    "HelpPlan",
    "Household",
    "HouseholdStatusChange",
    "IncomeEntry",
    "Invite",
    "Nudge",
    "OrgUnit",
    "Pairing",
    "Photo",
    "PhotoHashChunk",
    "PhotoWord",
    "Rectification",
    "RepairRequest",
    "SpotCheck",
    "Unreachable",
    "User",
    "UserState",
    "Visit",
    "VisitFlag",
]
