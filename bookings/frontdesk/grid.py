"""Lay out calendar columns on a true time scale: a CSS grid of equal 15-minute rows (pure).

Rows are local wall-clock times, the way the front desk reads a day sheet. Grid row 1 holds
the column headings; row ``2 + n`` is the n-th quarter hour from the first one shown, and
grid column 1 is the time axis, so a therapist (day view) or a day (week view) is column
``2 + index``. Everything drawn is a ``Block`` placed by its first row, its row span and its
column, which the templates turn into the classes of static/css/calendar-grid.css (CSP
allows no style attributes). Layers, bottom up: shading (breaks, time off, closures, hours
off), past time, free slots, turnover tails, appointments, the line for now.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from bookings.clock import clinic_tz
from bookings.frontdesk.queries import Hours, TherapistDay
from bookings.models import Appointment

STEP = 15  # minutes per row
DAY_MINUTES = 24 * 60
HEADER_ROWS = 1
AXIS_COLUMNS = 1


@dataclass
class Block:
    kind: str  # appointment | tail | break | off | timeoff | closed | slot | past | now
    row: int  # first grid row (1-based, headings are row 1)
    span: int  # rows
    column: int  # first grid column (1-based, the time axis is column 1)
    width: int = 1  # columns
    label: str = ""
    appointment: Appointment | None = None
    start: datetime | None = None  # a free slot's start
    owner: TherapistDay | None = None
    faded: bool = False  # a cancelled or no-show appointment, shown in place
    lane: str = ""  # "main" or "aside" where a faded appointment shares the time
    offset: int = 0  # the line for now: minutes into its row
    version: str = ""  # an appointment the desk may move: its version (views fill it in)


@dataclass
class AxisRow:
    row: int
    time: time
    on_the_hour: bool


@dataclass
class Calendar:
    columns: list[TherapistDay]
    axis: list[AxisRow]
    blocks: list[Block] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.axis)

    def __bool__(self) -> bool:
        return bool(self.axis)


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
            starts.append(_wall_minutes(appointment.occupied_from, column.day))
            ends.append(_wall_minutes(appointment.occupied_until, column.day))
    if not starts:
        return None
    first = min(starts) // STEP * STEP
    last = -(-max(ends) // STEP) * STEP
    return (first, last) if last > first else None


class _Rows:
    """Turns wall minutes of one column's day into grid rows, clipped to the rows shown."""

    def __init__(self, first: int, count: int) -> None:
        self.first, self.count = first, count

    def top(self, minute: int) -> int:
        return min(max((minute - self.first) // STEP, 0), self.count)

    def bottom(self, minute: int) -> int:
        return min(max(-(-(minute - self.first) // STEP), 0), self.count)


def _state(column: TherapistDay, minute: int, offs: list[tuple[int, int, str]]) -> tuple[str, str]:
    if column.closure is not None:
        return "closed", f"Closed: {column.closure.name}"
    for since, until, reason in offs:
        if since < minute + STEP and minute < until:
            return "timeoff", reason
    intervals = [(_minutes(a), _minutes(b) or DAY_MINUTES) for a, b in column.hours]
    if any(a <= minute < b for a, b in intervals):
        return "free", ""
    if intervals and min(a for a, _ in intervals) <= minute < max(b for _, b in intervals):
        return "break", "Break"
    return "off", "Not working"


def _appointment_blocks(
    column: TherapistDay, grid_column: int, rows: _Rows, *, show_faded: bool
) -> tuple[list[Block], set[int]]:
    """Return the column's appointment and tail blocks, and the row indexes they keep busy."""
    blocks, busy = [], set()
    active = [a for a in column.appointments if a.is_active]
    faded = [a for a in column.appointments if not a.is_active] if show_faded else []
    day = column.day
    main: set[int] = set()
    for appointment in faded:
        rivals = [a for a in active if a.start < appointment.end and appointment.start < a.end]
        main.update(a.pk for a in rivals)
        blocks.append(_session(appointment, grid_column, rows, day, lane="aside" if rivals else ""))
    for appointment in active:
        lane = "main" if appointment.pk in main else ""
        block = _session(appointment, grid_column, rows, day, lane=lane)
        blocks.append(block)
        occupied = range(
            rows.top(_wall_minutes(appointment.occupied_from, day)),
            rows.bottom(_wall_minutes(appointment.occupied_until, day)),
        )
        busy.update(occupied)
        session = range(block.row - HEADER_ROWS - 1, block.row - HEADER_ROWS - 1 + block.span)
        # The turnover buffers either side: taken, though no session is in them.
        for tail in _runs([index for index in occupied if index not in session]):
            blocks.append(
                Block(
                    "tail",
                    tail[0] + HEADER_ROWS + 1,
                    len(tail),
                    grid_column,
                    label="Turnover",
                    appointment=appointment,
                )
            )
    return blocks, busy


def _session(appointment: Appointment, grid_column: int, rows: _Rows, day: date, lane: str):
    top = rows.top(_wall_minutes(appointment.start, day))
    bottom = max(rows.bottom(_wall_minutes(appointment.end, day)), top + 1)
    return Block(
        "appointment",
        top + HEADER_ROWS + 1,
        bottom - top,
        grid_column,
        appointment=appointment,
        faded=not appointment.is_active,
        lane=lane,
    )


def _runs(indexes: list[int]) -> list[list[int]]:
    """Return consecutive runs of sorted row indexes."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _column_blocks(
    column: TherapistDay, grid_column: int, rows: _Rows, now: datetime, *, show_faded: bool
) -> list[Block]:
    tz = clinic_tz()
    blocks, busy = _appointment_blocks(column, grid_column, rows, show_faded=show_faded)
    offs = [
        (
            _wall_minutes(absence.start, column.day),
            _wall_minutes(absence.end, column.day),
            absence.reason or "Time off",
        )
        for absence in column.time_off
    ]
    shade: Block | None = None
    past = 0
    for index in range(rows.count):
        minute = rows.first + index * STEP
        start = datetime.combine(column.day, time(minute // 60, minute % 60), tzinfo=tz)
        if start + timedelta(minutes=STEP) <= now:
            past = index + 1
        kind, label = _state(column, minute, offs)
        row = index + HEADER_ROWS + 1
        if kind == "free":
            shade = None
            if index not in busy and start > now:
                blocks.append(Block("slot", row, 1, grid_column, start=start, owner=column))
        elif shade is not None and (shade.kind, shade.label) == (kind, label):
            shade.span += 1
        else:
            shade = Block(kind, row, 1, grid_column, label=label)
            blocks.append(shade)
    if past:
        blocks.append(Block("past", HEADER_ROWS + 1, past, grid_column))
    return blocks


def _now_line(columns: list[TherapistDay], rows: _Rows, now: datetime) -> Block | None:
    """Return the line for now across the columns showing today, if now is on the grid."""
    local = timezone.localtime(now, clinic_tz())
    today = [n for n, column in enumerate(columns) if column.day == local.date()]
    minute = local.hour * 60 + local.minute
    if not today or not rows.first <= minute < rows.first + rows.count * STEP:
        return None
    index = (minute - rows.first) // STEP
    return Block(
        "now",
        index + HEADER_ROWS + 1,
        1,
        today[0] + AXIS_COLUMNS + 1,
        width=len(today),
        label=f"Now, {local.hour % 12 or 12}:{local.minute:02d}",
        offset=(minute - rows.first) % STEP,
    )


def build_calendar(
    columns: list[TherapistDay], *, opening: Hours, now: datetime, show_faded: bool = True
) -> Calendar:
    """Return the grid of `columns`: time axis rows and every block, placed."""
    span = row_span(columns, opening)
    if span is None:
        return Calendar(columns, [])
    first, last = span
    rows = _Rows(first, (last - first) // STEP)
    axis = []
    for index in range(rows.count):
        minute = first + index * STEP
        clock = (datetime.min + timedelta(minutes=minute)).time()
        axis.append(AxisRow(index + HEADER_ROWS + 1, clock, minute % 60 == 0))
    calendar = Calendar(columns, axis)
    for n, column in enumerate(columns):
        calendar.blocks += _column_blocks(
            column, n + AXIS_COLUMNS + 1, rows, now, show_faded=show_faded
        )
    if (line := _now_line(columns, rows, now)) is not None:
        calendar.blocks.append(line)
    return calendar
