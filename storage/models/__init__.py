"""Every table of the bangfu database."""

from storage.models.org import Department, OrgUnit
from storage.models.oversight import Appraisal, AuditEntry, Complaint, Invite, SpotCheck
from storage.models.people import Household, Pairing, User
from storage.models.records import (
    Assessment,
    Assistance,
    BenefitEnrolment,
    HouseholdStatusChange,
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
    "Department",
    "Household",
    "HouseholdStatusChange",
    "Invite",
    "Nudge",
    "OrgUnit",
    "Pairing",
    "Photo",
    "SpotCheck",
    "Unreachable",
    "User",
    "Visit",
    "VisitFlag",
]
