"""Every table of the bangfu database."""

from storage.models.complaints import ComplaintAttachment, ComplaintMessage, ComplaintNote
from storage.models.org import Department, OrgUnit
from storage.models.oversight import Appraisal, AuditEntry, Complaint, Invite, SpotCheck
from storage.models.people import Household, Pairing, User
from storage.models.photo_search import PhotoHashChunk, PhotoWord
from storage.models.records import (
    Assessment,
    Assistance,
    BenefitEnrolment,
    GuaranteeRecord,
    HelpPlan,
    HouseholdStatusChange,
    IncomeEntry,
)
from storage.models.reminders import Nudge, Unreachable
from storage.models.visits import Photo, Visit, VisitFlag

__all__ = [
    "Appraisal",
    "Assessment",
    "Assistance",
    "AuditEntry",
    "BenefitEnrolment",
    "Complaint",
    "ComplaintAttachment",
    "ComplaintMessage",
    "ComplaintNote",
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
    "SpotCheck",
    "Unreachable",
    "User",
    "Visit",
    "VisitFlag",
]
