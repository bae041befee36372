"""Lay out calendar columns as table rows every 15 minutes (pure; no queries).

Rows are local wall-clock times, the way the front desk reads a day sheet. Each column (a
therapist on a day) becomes cells: an appointment spans the rows it covers (``rowspan``);
free rows are one cell each, so each can offer a booking; breaks, time off, closures and
hours off merge into one shaded cell per run. ``None`` marks a row a cell above covers.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from bookings.clock import clinic_tz
from bookings.frontdesk.queries import Hours, TherapistDay
from bookings.models import Appointment

STEP = 15  # minutes per row
DAY_MINUTES = 24 * 60


@dataclass
class Cell:
    kind: str  # appointment | free | turnover | break | off | timeoff | closed
    rows: int = 1
    label: str = ""
    appointment: Appointment | None = None
    start: datetime | None = None  # a free cell's start, when it can still be booked
    column: TherapistDay | None = None


@dataclass
class Row:
    time: time
    on_the_hour: bool
    cells: list[Cell | None]


_COVERED = Cell("covered")


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _wall_minutes(moment: datetime, day: date) -> int:
    """Return minutes after local midnight of `day` on the clinic's clock, clamped to the day."""
    local = timezone.localtime(moment, clinic_tz())
    minutes = (local.date() - day).days * DAY_MINUTES + local.hour * 60 + local.minute
    return min(max(minutes, 0), DAY_MINUTES)


def row_span(columns: list[TherapistDay], opening: Hours) -> tuple[int, int] | None:
    """Return the first and last minute the rows must cover, on the 15-minute grid."""
    starts = [_minutes(a) for a, _ in opening]
    ends = [_minutes(b) or DAY_MINUTES for _, b in opening]
    for column in columns:
        starts += [_minutes(a) for a, _ in column.hours]
        ends += [_minutes(b) or DAY_MINUTES for _, b in column.hours]
        for appointment in column.appointments:
            starts.append(_wall_minutes(appointment.start, column.day))
            ends.append(_wall_minutes(appointment.end, column.day))
    if not starts:
        return None
    first = min(starts) // STEP * STEP
    last = -(-max(ends) // STEP) * STEP
    return (first, last) if last > first else None


def _place_appointments(cells: list[Cell | None], column: TherapistDay, first: int) -> None:
    count = len(cells)
    for appointment in sorted(column.appointments, key=lambda a: (a.start, a.pk)):
        top = (_wall_minutes(appointment.start, column.day) - first) // STEP
        bottom = -(-(_wall_minutes(appointment.end, column.day) - first) // STEP)
        top = max(top, 0)
        # Off-grid times (set in the admin) could collide on a row: slide down to a free one.
        while top < count and cells[top] is not None:
            top += 1
        if top >= count:
            continue
        end = top + 1
        while end < min(bottom, count) and cells[end] is None:
            end += 1
        cells[top] = Cell("appointment", rows=end - top, appointment=appointment, column=column)
        for covered in range(top + 1, end):
            cells[covered] = _COVERED


def _state(
    column: TherapistDay,
    minute: int,
    offs: list[tuple[int, int, str]],
    buffers: list[tuple[int, int]],
) -> tuple[str, str]:
    if column.closure is not None:
        return "closed", f"Closed: {column.closure.name}"
    for since, until, reason in offs:
        if since < minute + STEP and minute < until:
            return "timeoff", reason
    if any(since < minute + STEP and minute < until for since, until in buffers):
        return "turnover", "Turnover"
    intervals = [(_minutes(a), _minutes(b) or DAY_MINUTES) for a, b in column.hours]
    if any(a <= minute < b for a, b in intervals):
        return "free", ""
    if intervals and min(a for a, _ in intervals) <= minute < max(b for _, b in intervals):
        return "break", "Break"
    return "off", "Not working"


def _column_cells(column: TherapistDay, first: int, count: int, now: datetime) -> list[Cell | None]:
    cells: list[Cell | None] = [None] * count
    _place_appointments(cells, column, first)
    offs = [
        (
            _wall_minutes(absence.start, column.day),
            _wall_minutes(absence.end, column.day),
            absence.reason or "Time off",
        )
        for absence in column.time_off
    ]
    # The turnover around each session is taken too, though no session is in it.
    buffers = [
        (_wall_minutes(a.occupied_from, column.day), _wall_minutes(a.occupied_until, column.day))
        for a in column.appointments
    ]
    tz = clinic_tz()
    run: Cell | None = None
    for index in range(count):
        if cells[index] is not None:
            run = None
            continue
        minute = first + index * STEP
        kind, label = _state(column, minute, offs, buffers)
        if kind == "free":
            start = datetime.combine(column.day, time(minute // 60, minute % 60), tzinfo=tz)
            cells[index] = Cell("free", start=start if start > now else None, column=column)
            run = None
        elif run is not None and (run.kind, run.label) == (kind, label):
            run.rows += 1
            cells[index] = _COVERED
        else:
            run = cells[index] = Cell(kind, label=label, column=column)
    return cells


def build_rows(columns: list[TherapistDay], *, opening: Hours, now: datetime) -> list[Row]:
    """Return the table rows for `columns` (one cell list per row, None where covered)."""
    span = row_span(columns, opening)
    if span is None:
        return []
    first, last = span
    count = (last - first) // STEP
    by_column = [_column_cells(column, first, count, now) for column in columns]
    rows = []
    for index in range(count):
        minute = first + index * STEP
        clock = (
            (datetime.min + timedelta(minutes=minute)).time() if minute < DAY_MINUTES else time()
        )
        cells = [None if cells[index] is _COVERED else cells[index] for cells in by_column]
        rows.append(Row(clock, minute % 60 == 0, cells))
    return rows
