"""Every domain error: raised by use cases, turned into friendly replies at the edge."""

from __future__ import annotations

from typing import Any

from bot.domain.text import N_, Translate


class DomainError(Exception):
    """An expected refusal whose message (an English message id) is shown to the user."""

    message = N_("That could not be done.")

    def __init__(self, **params: Any) -> None:
        super().__init__(self.message.format(**params) if params else self.message)
        self.params = params

    def render(self, t: Translate) -> str:
        """The message in the user's language, with its parameters filled in."""
        return t(self.message).format(**self.params)


class NotAllowed(DomainError):
    """The user's role does not allow this."""

    message = N_("Sorry, your role does not allow this.")


class NotRegistered(DomainError):
    """The Telegram account is not bound to any user yet."""

    message = N_("Please send /start and share your phone number first.")


class UnknownPhone(DomainError):
    """A shared phone number matches no imported helper or admin."""

    message = N_(
        "Sorry, the number {phone} is not registered for this service. "
        "Please ask {office} to add you, then try again."
    )


class NotOwnContact(DomainError):
    """A contact that is not the sender's own (someone else's, or forwarded)."""

    message = N_(
        "For your security only your own number can be used. "
        "Please press the “Share my phone number” button below."
    )


class InviteInvalid(DomainError):
    """An invite code that does not exist."""

    message = N_("This invite link is not valid. Please ask the office for a new one.")


class InviteUsed(DomainError):
    """An invite code that was already used."""

    message = N_("This invite link has already been used. Please ask the office for a new one.")


class InviteExpired(DomainError):
    """An invite code past its expiry."""

    message = N_("This invite link has expired. Please ask the office for a new one.")


class UserNotFound(DomainError):
    """No user matches what an admin typed."""

    message = N_("No user matches “{query}”.")


class AmbiguousUser(DomainError):
    """Several users match what an admin typed."""

    message = N_("Several users match “{query}”; please use the phone number.")


class NotPaired(DomainError):
    """The helper is not (or no longer) paired with that household."""

    message = N_("You are not paired with this household.")


class VisitTooLate(DomainError):
    """The visit happened longer ago than the late-logging limit."""

    message = N_(
        "This visit happened on {date}, more than {days} days ago, so it can no longer be "
        "logged here. Please tell the office."
    )


class NoPhoto(DomainError):
    """A visit needs at least one photo."""

    message = N_("Please send at least one photo of the visit first.")


class FlagNotFound(DomainError):
    """The flag does not exist, is outside the admin's scope, or was already cleared."""

    message = N_("That flag was not found or is already cleared.")


class NoProposedHome(DomainError):
    """There is no proposed home location to confirm (or the household is out of scope)."""

    message = N_("This household has no proposed home location to confirm.")


class ComplaintTextInvalid(DomainError):
    """A complaint's text is empty or too long."""

    message = N_("Please write between 1 and {limit} characters.")


class TooManyComplaints(DomainError):
    """The in-memory abuse limit of complaints per hour from one sender is reached."""

    message = N_(
        "You have sent several complaints within the last hour. Please wait a while before "
        "sending another one."
    )


class ComplaintNotFound(DomainError):
    """No complaint the user may see has this number (or it is closed for this action)."""

    message = N_("That complaint was not found, or it is closed.")


class ComplaintClosed(DomainError):
    """The complaint is resolved or dismissed; nothing more can be added."""

    message = N_("This complaint is closed; nothing more can be added to it.")


class TooManyAttachments(DomainError):
    """A complaint carries at most a few pictures."""

    message = N_("A complaint can carry at most {limit} pictures.")


class HouseholdNotFound(DomainError):
    """No household with that id among the user's own (helpers) or in their scope (admins)."""

    message = N_("That household was not found among yours.")


class HouseholdReadOnly(DomainError):
    """Only the household's paired helper changes its case record."""

    message = N_("Only the household's helper can change its record.")


class BadAmount(DomainError):
    """An amount that is not a positive number of yuan."""

    message = N_("Please write an amount in yuan, such as 4200 or 350.5.")


class BadPeriod(DomainError):
    """An appraisal period that is not a month, a quarter or a year."""

    message = N_("Write the period as a month (2026-11), a quarter (2026Q4) or a year (2026).")


class HelperNotFound(DomainError):
    """No helper with that id in the admin's scope."""

    message = N_("That helper was not found in your scope.")


class AppraisalNotFound(DomainError):
    """No appraisal with that id (or for that period) in the admin's scope."""

    message = N_("That appraisal was not found in your scope.")


class AppraisalFinal(DomainError):
    """A final appraisal is never recomputed, adjusted or confirmed again."""

    message = N_("The appraisal of {period} is final and can no longer be changed.")


class NoAppraisalDraft(DomainError):
    """Nothing to review or confirm: the office has not run the period yet."""

    message = N_("There is no draft appraisal of {period} yet; the office runs /appraise first.")


class AnnualNeedsLeader(DomainError):
    """Only a leader makes an annual appraisal final; the office publishes regular ones."""

    message = N_("Only a leader confirms an annual appraisal; the office publishes the others.")


class BadScore(DomainError):
    """An adjusted score that is not a number from 0 to 100."""

    message = N_("Please write a score from 0 to 100, such as 82 or 74.5.")


class RectificationNotFound(DomainError):
    """No open rectification with that id in the admin's scope."""

    message = N_("That rectification is not open (any more) in your scope.")


class RepairNotFound(DomainError):
    """No re-pairing request with that id in the user's scope."""

    message = N_("That re-pairing request was not found in your scope.")


class RepairDecided(DomainError):
    """A request already approved or rejected (a stale button)."""

    message = N_("That re-pairing request has already been decided.")


class RepairInvalid(DomainError):
    """A proposal that pairs a household with its own helper, or with a non-helper."""

    message = N_("Choose a helper other than the household's current one.")


class PeriodNotStarted(DomainError):
    """An appraisal of a period that has not begun: there is nothing to judge yet."""

    message = N_("{period} has not begun yet; there is nothing to appraise.")


class AreaNotFound(DomainError):
    """A named area, helper or household that does not exist inside the user's scope."""

    message = N_("Nothing called “{name}” was found in your area.")


class RecordNotFound(DomainError):
    """A record that is outside the user's scope or does not exist (forged buttons too)."""

    message = N_("That was not found in your area.")


class BadMonth(DomainError):
    """A month that cannot be read (/summary takes one month)."""

    message = N_("Please write a month as 2026-11.")
