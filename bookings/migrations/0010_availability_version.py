"""Availability versions, and the triggers that replace them in every writing transaction.

Each trigger replaces the token of the UTC dates a change touches (an appointment's occupied
span, time off, a date's hours or a closure) or of EVERY_DAY (0001-01-01: weekly hours,
rooms, therapists, who offers what, the policy, lengths). Appointment updates that change
none of the columns availability reads (a check-in, a note) replace nothing. The active
statuses are Appointment.ACTIVE_STATUSES.
"""

from django.db import migrations, models

ACTIVE = "('booked', 'checked_in', 'completed')"

FUNCTIONS = f"""
CREATE FUNCTION bookings_bump_availability(days date[]) RETURNS void
LANGUAGE sql AS $$
    -- In date order, so that two writers touching the same dates lock them in one order.
    INSERT INTO bookings_availabilityversion (day, token)
    SELECT day, gen_random_uuid() FROM (SELECT DISTINCT unnest(days) AS day) AS touched
     ORDER BY day
    ON CONFLICT (day) DO UPDATE SET token = EXCLUDED.token
$$;

CREATE FUNCTION bookings_utc_days(since timestamptz, until timestamptz) RETURNS date[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(day::date) FROM generate_series(
        (since AT TIME ZONE 'UTC')::date,
        ((until - interval '1 microsecond') AT TIME ZONE 'UTC')::date,
        interval '1 day'
    ) AS day
$$;

CREATE FUNCTION bookings_appointment_availability() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    days date[] := '{{}}';
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN {ACTIVE} THEN
        days := days || bookings_utc_days(OLD.occupied_from, OLD.occupied_until);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN {ACTIVE} THEN
        days := days || bookings_utc_days(NEW.occupied_from, NEW.occupied_until);
    END IF;
    PERFORM bookings_bump_availability(days);
    RETURN NULL;
END $$;

CREATE FUNCTION bookings_time_off_availability() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    days date[] := '{{}}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        days := days || bookings_utc_days(OLD.start, OLD."end");
    END IF;
    IF TG_OP <> 'DELETE' THEN
        days := days || bookings_utc_days(NEW.start, NEW."end");
    END IF;
    PERFORM bookings_bump_availability(days);
    RETURN NULL;
END $$;

-- A local date's own UTC date always lies within that local day's span (offsets < 24 h).
CREATE FUNCTION bookings_date_availability() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    days date[] := '{{}}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        days := days || OLD.date;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        days := days || NEW.date;
    END IF;
    PERFORM bookings_bump_availability(days);
    RETURN NULL;
END $$;

CREATE FUNCTION bookings_every_day_availability() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bookings_bump_availability(ARRAY[DATE '0001-01-01']);
    RETURN NULL;
END $$;
"""  # noqa: S608 - only the status list is interpolated

# A check-in or a completion keeps the time held: only holding or not matters.
APPOINTMENT_COLUMNS = ["therapist_id", "room_id", "start", "occupied_from", "occupied_until"]
CHANGED = " OR ".join(
    [
        f"(OLD.status IN {ACTIVE}) IS DISTINCT FROM (NEW.status IN {ACTIVE})",
        *(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in APPOINTMENT_COLUMNS),
    ]
)


def _trigger(
    table: str, function: str, events: str = "INSERT OR UPDATE OR DELETE", when: str = ""
) -> tuple[str, str]:
    """Return (create, drop) statements of a row trigger calling `function` after `events`."""
    name = f"{table}_availability" + ("_update" if when else "")
    when = f"WHEN ({when})" if when else ""
    create = (
        f"CREATE TRIGGER {name} AFTER {events} ON {table} "
        f"FOR EACH ROW {when} EXECUTE FUNCTION {function}();"
    )
    return create, f"DROP TRIGGER IF EXISTS {name} ON {table};"


TRIGGERS = [
    _trigger("bookings_appointment", "bookings_appointment_availability", "INSERT OR DELETE"),
    _trigger("bookings_appointment", "bookings_appointment_availability", "UPDATE", CHANGED),
    _trigger("bookings_timeoff", "bookings_time_off_availability"),
    _trigger("bookings_datehours", "bookings_date_availability"),
    _trigger("bookings_clinicclosure", "bookings_date_availability"),
    _trigger("bookings_weeklyhours", "bookings_every_day_availability"),
    _trigger("bookings_room", "bookings_every_day_availability"),
    _trigger("bookings_room_services", "bookings_every_day_availability"),
    _trigger("bookings_therapist", "bookings_every_day_availability", "INSERT OR DELETE"),
    _trigger(
        "bookings_therapist",
        "bookings_every_day_availability",
        "UPDATE",
        "OLD.active IS DISTINCT FROM NEW.active OR "
        "OLD.max_sessions_per_day IS DISTINCT FROM NEW.max_sessions_per_day",
    ),
    _trigger("bookings_therapist_services", "bookings_every_day_availability"),
    _trigger("bookings_bookingpolicy", "bookings_every_day_availability"),
    _trigger("services_servicelength", "bookings_every_day_availability"),
]

DROP = [drop for _, drop in TRIGGERS] + [
    "DROP FUNCTION IF EXISTS bookings_every_day_availability();",
    "DROP FUNCTION IF EXISTS bookings_date_availability();",
    "DROP FUNCTION IF EXISTS bookings_time_off_availability();",
    "DROP FUNCTION IF EXISTS bookings_appointment_availability();",
    "DROP FUNCTION IF EXISTS bookings_utc_days(timestamptz, timestamptz);",
    "DROP FUNCTION IF EXISTS bookings_bump_availability(date[]);",
]

FIRST_VERSION = (
    "INSERT INTO bookings_availabilityversion (day, token) "
    "VALUES (DATE '0001-01-01', gen_random_uuid());"
)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0009_lookup_tokens"),
        ("services", "0002_content_pages"),
    ]

    operations = [
        migrations.CreateModel(
            name="AvailabilityVersion",
            fields=[
                ("day", models.DateField(primary_key=True, serialize=False)),
                ("token", models.UUIDField()),
            ],
            options={
                "verbose_name": "availability version",
            },
        ),
        migrations.RunSQL(
            [FUNCTIONS, *(create for create, _ in TRIGGERS), FIRST_VERSION], reverse_sql=DROP, elidable=False
        ),
    ]
