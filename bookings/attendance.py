"""Check-in, completion and no-shows: what the rules allow at a moment, and the writes.

The front desk is offered only what it may do now (``allowed_actions``, which the appointment
page and the day grid both call), and each write asks the same rule again under the
appointment's row lock, so a page left open, a second desk or a tampered form changes nothing
and is told why, in the clinic's words ("This session starts at 9:00 AM").

- Check in: a booked session, on its clinic day, from the policy's ``check_in_opens_minutes``
  before it starts.
- Complete: a booked or checked-in session, once it has started. No-show: a booked session,
  once it has started.
- Undo: the latest check-in, completion or no-show goes back to the status it replaced, on
  the clinic day it was set. Undoing a no-show takes its time back, so it is refused if the
  time has been booked or blocked since, or the therapist's day has filled.

Every change is a line in the appointment's history with who and when.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction

from bookings import clock, outbox
from bookings.errors import ChangeNotAllowed, FullyBooked, SlotTaken
from bookings.models import Appointment, AppointmentChange, BookingPolicy
from bookings.recheck import refuse_if_blocked, refuse_if_fully_booked

Status = Appointment.Status
Change = AppointmentChange.Action


class DeskAction(models.TextChoices):
    """What the front desk can do to a session on the day, as the forms name it."""

    CHECK_IN = "check_in", "Check in"
    COMPLETE = "complete", "Complete"
    NO_SHOW = "no_show", "No-show"
    UNDO = "undo", "Undo"


# Each forward action: the status it sets, the statuses it may come from, its history line.
_FORWARD = {
    DeskAction.CHECK_IN: (Status.CHECKED_IN, {Status.BOOKED}, Change.CHECKED_IN),
    DeskAction.COMPLETE: (Status.COMPLETED, {Status.BOOKED, Status.CHECKED_IN}, Change.COMPLETED),
    DeskAction.NO_SHOW: (Status.NO_SHOW, {Status.BOOKED}, Change.NO_SHOW),
}
TARGET = {action: status for action, (status, _, _) in _FORWARD.items()}
_ACTION_SETTING = {status: action for action, status in TARGET.items()}
_STATUS_SET_BY = {change: status for status, _, change in _FORWARD.values()}
# "This appointment is ...", and "... it cannot be ...".
_IS = {
    Status.BOOKED: "booked",
    Status.CHECKED_IN: "checked in",
    Status.COMPLETED: "completed",
    Status.CANCELLED: "cancelled",
    Status.NO_SHOW: "marked a no-show",
}
_BE = {
    Status.CHECKED_IN: "checked in",
    Status.COMPLETED: "marked complete",
    Status.NO_SHOW: "marked a no-show",
}
_UNDO_LABEL = {
    Status.CHECKED_IN: "Undo check-in",
    Status.COMPLETED: "Undo completion",
    Status.NO_SHOW: "Undo no-show",
}


@dataclass(frozen=True, slots=True)
class Allowed:
    """An action the rules allow now, and the words its button shows."""

    action: DeskAction
    label: str


# --- the rules --------------------------------------------------------------------------


def allowed_actions(
    appointment: Appointment, *, now: datetime, policy: BookingPolicy
) -> list[Allowed]:
    """Return what the front desk may do to `appointment` at `now`, in the order to offer it.

    Reads nothing from the database, so a grid of many sessions can ask for each.
    """
    return [
        Allowed(action, _label(action, appointment))
        for action in DeskAction
        if refusal(appointment, action, now=now, policy=policy) is None
    ]


def _label(action: DeskAction, appointment: Appointment) -> str:
    return _UNDO_LABEL[appointment.status] if action == DeskAction.UNDO else action.label


def refusal(
    appointment: Appointment, action: DeskAction, *, now: datetime, policy: BookingPolicy
) -> str | None:
    """Return why `action` may not be done to `appointment` at `now`, None if it may."""
    if action == DeskAction.UNDO:
        return _undo_refusal(appointment, now)
    target, sources, _ = _FORWARD[action]
    if appointment.status == target:
        return f"This appointment is already {_IS[target]}."
    if appointment.status not in sources:
        return f"This appointment is {_IS[appointment.status]}, so it cannot be {_BE[target]}."
    if action == DeskAction.CHECK_IN:
        return _check_in_refusal(appointment, now, policy)
    if appointment.start > now:
        return f"{_starts(appointment, now, 'This')}; it can be {_BE[target]} once it has started."
    return None


def waiting_for(appointment: Appointment, *, now: datetime, policy: BookingPolicy) -> str:
    """Return, for a session not yet under way, when its next actions open ("" if none)."""
    if appointment.status not in (Status.BOOKED, Status.CHECKED_IN) or appointment.start <= now:
        return ""
    if appointment.status == Status.CHECKED_IN:
        return f"It can be marked complete once the session starts {_when(appointment.start, now)}."
    opens = check_in_opens(appointment, policy)
    if now >= opens:
        return f"{_starts(appointment, now)}. Complete and no-show open once it starts."
    return (
        f"{_starts(appointment, now)}. Check-in opens {_that_day(opens, now)}; complete and "
        "no-show once it starts."
    )


def check_in_opens(appointment: Appointment, policy: BookingPolicy) -> datetime:
    """Return when `appointment` may first be checked in: the policy's minutes before it
    starts, and never before the start of its clinic day."""
    local = clock.local(appointment.start)
    day_start = datetime.combine(local.date(), time(), tzinfo=clock.clinic_tz())
    return max(appointment.start - timedelta(minutes=policy.check_in_opens_minutes), day_start)


def _check_in_refusal(appointment: Appointment, now: datetime, policy: BookingPolicy) -> str | None:
    day, today = clock.local(appointment.start).date(), clock.local(now).date()
    if day < today:
        return f"This session was on {clock.day(day)}; it can no longer be checked in."
    opens = check_in_opens(appointment, policy)
    if now < opens:
        return f"{_starts(appointment, now, 'This')}; check-in opens {_that_day(opens, now)}."
    return None


def _undo_refusal(appointment: Appointment, now: datetime) -> str | None:
    if appointment.status not in _UNDO_LABEL:
        return (
            "There is no check-in, completion or no-show to undo: this appointment is "
            f"{_IS[appointment.status]}."
        )
    changed = appointment.status_changed_at
    if changed is None or clock.local(changed).date() != clock.local(now).date():
        when = clock.day(changed) if changed else "an earlier day"
        return f"A status can be undone only on the day it was set; this one was set on {when}."
    return None


def _starts(appointment: Appointment, now: datetime, article: str = "The") -> str:
    """Return "The session starts at 9:00 AM" today, else "The session is on Thu, Dec 3, at
    9:00 AM"."""
    verb = "starts" if clock.local(appointment.start).date() == clock.local(now).date() else "is"
    return f"{article} session {verb} {_when(appointment.start, now)}"


def _that_day(moment: datetime, now: datetime) -> str:
    """Return "at 8:00 AM" on the day of `now`, else "that day at 8:00 AM"."""
    at = f"at {clock.time_of_day(moment)}"
    return at if clock.local(moment).date() == clock.local(now).date() else f"that day {at}"


def _when(moment: datetime, now: datetime) -> str:
    """Return "at 9:00 AM" on the day of `now`, else "on Thu, Dec 3, at 9:00 AM"."""
    at = f"at {clock.time_of_day(moment)}"
    if clock.local(moment).date() == clock.local(now).date():
        return at
    return f"on {clock.day(moment)}, {at}"


# --- the writes -------------------------------------------------------------------------


def set_status(
    *,
    appointment: Appointment,
    status: str,
    by: AbstractBaseUser,
    now: datetime,
    policy: BookingPolicy | None = None,
    reason: str = "",
) -> Appointment:
    """Check `appointment` in, complete it or mark a no-show, if the rules allow it at `now`."""
    action = _ACTION_SETTING[Status(status)]
    policy = policy or BookingPolicy.load()
    with transaction.atomic():
        current = Appointment.objects.locked(appointment.pk)
        if (why := refusal(current, action, now=now, policy=policy)) is not None:
            raise ChangeNotAllowed(why)
        _, _, change = _FORWARD[action]
        current.status, current.status_changed_at, current.updated_by = status, now, by
        current.save()
        AppointmentChange.objects.create(
            appointment=current, by=by, action=change, reason=reason[:200]
        )
        if status == Status.NO_SHOW:
            outbox.skip_reminders(current)
    return current


def undo_status(
    *,
    appointment: Appointment,
    by: AbstractBaseUser,
    now: datetime,
    policy: BookingPolicy | None = None,
    reason: str = "",
) -> Appointment:
    """Put `appointment` back to the status its latest check-in, completion or no-show
    replaced, on the clinic day that status was set."""
    policy = policy or BookingPolicy.load()
    try:
        with transaction.atomic():
            current = Appointment.objects.locked(appointment.pk)
            if (why := refusal(current, DeskAction.UNDO, now=now, policy=policy)) is not None:
                raise ChangeNotAllowed(why)
            undone = current.status
            previous, since = _replaced_status(current)
            if not current.is_active:
                # A no-show freed its time; someone may have taken it, or the day filled.
                held = refuse_if_blocked(
                    therapist_id=current.therapist_id, start=current.start, end=current.end
                )
                refuse_if_fully_booked(
                    therapist_id=current.therapist_id,
                    start=current.start,
                    policy=policy,
                    ignoring=current.pk,
                    therapist=held,
                )
            current.status, current.status_changed_at, current.updated_by = previous, since, by
            current.save()  # the exclusion constraints decide whether the time is still free
            AppointmentChange.objects.create(
                appointment=current,
                by=by,
                action=Change.UNDONE,
                reason=reason[:200],
                details={"status": [Status(undone).label, Status(previous).label]},
            )
    except FullyBooked as full:
        raise FullyBooked(f"{full.message} The no-show stands.") from None
    except (SlotTaken, IntegrityError) as error:
        raise SlotTaken(
            "Since the no-show was marked, this time has been booked or blocked, so the "
            "no-show stands. Book the client again at a free time."
        ) from error
    return current


def _replaced_status(appointment: Appointment) -> tuple[str, datetime | None]:
    """Return the status the current one replaced, and when that one was set, from the
    history: each check-in, completion or no-show stacks a status, each undo takes one off."""
    stack: list[tuple[str, datetime | None]] = [(Status.BOOKED, None)]
    changes = appointment.changes.filter(action__in=[*_STATUS_SET_BY, Change.UNDONE])
    for action, at in changes.order_by("at", "pk").values_list("action", "at"):
        if action == Change.UNDONE:
            if len(stack) > 1:
                stack.pop()
        else:
            stack.append((_STATUS_SET_BY[action], at))
    if len(stack) > 1 and stack[-1][0] == appointment.status:
        return stack[-2]
    return Status.BOOKED, None  # a status set outside these writes: back to the start
