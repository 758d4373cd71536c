"""Every table of the bangfu database."""

from storage.models.complaints import ComplaintAttachment, ComplaintMessage, ComplaintNote
from storage.models.org import Department, OrgUnit
from storage.models.oversight import Appraisal, AuditEntry, Complaint, Invite, SpotCheck
from storage.models.people import Household, Pairing, User
from storage.models.records import (
    Assessment,
    Assistance,
    BenefitEnrolment,
    HouseholdStatusChange,
)
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
    "Household",
    "HouseholdStatusChange",
    "Invite",
    "OrgUnit",
    "Pairing",
    "Photo",
    "SpotCheck",
    "User",
    "Visit",
    "VisitFlag",
]
