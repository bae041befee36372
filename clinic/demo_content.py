"""The demo clinic loaded by `manage.py seed_demo`: copy, prices, team and hours.

Copy is written for the clinic from the facts of its own article about sports
massage for runners. The street address and phone number are placeholders
(555-01xx numbers are reserved for fiction) for the clinic to replace in the admin.
"""

from datetime import date, time
from decimal import Decimal

PROFILE = {
    "name": "Medical & Sports Massage",
    "tagline": "Sports massage for runners in Sandy Springs, GA",
    "street_address": "6100 Roswell Road, Suite 210",
    "locality": "Sandy Springs",
    "region": "GA",
    "postal_code": "30328",
    "phone": "(404) 555-0142",
    "email": "hello@medsportsmassage.example",
    "parking": (
        "Free parking in the lot in front of the building, with two accessible spaces beside "
        "the entrance. No permit or validation needed."
    ),
    "hero_heading": "Sports massage built for runners",
    "hero_text": (
        "Whether you are building toward your first half marathon, deep in a training block "
        "or walking stiff-legged the day after a race, our therapists work on the muscles "
        "running asks the most of: calves, hamstrings, quads, glutes and hip flexors."
    ),
    "what_to_wear": (
        "Wear or bring loose athletic clothes: running shorts and a tank top or T-shirt are "
        "ideal, and essential for assisted stretching. For massage you undress to your comfort "
        "level and stay covered by a sheet except for the area being worked on.\n\n"
        "Bring a list of any medications, and if you are training for a race, its date and "
        "distance. Arrive five minutes early for your first visit."
    ),
    "cancellation_policy": (
        "Plans change, especially around races. You can move or cancel a booking online from "
        "the link in your confirmation email up to 24 hours before it starts, free of charge.\n\n"
        "Within 24 hours, please call us. Late cancellations and missed appointments may be "
        "charged half the session price, because your therapist held that time for you."
    ),
}

# Monday to Saturday; Sunday closed.
OPENING_HOURS = [
    *[(day, time(8, 0), time(19, 0)) for day in range(0, 5)],
    (5, time(8, 0), time(14, 0)),
]

SERVICES = [
    {
        "slug": "sports-massage-for-runners",
        "colour": "#a9d8e0",
        "title": "Sports massage for runners",
        "ordering": 1,
        "summary": (
            "Our signature session: targeted work on the calves, hamstrings, quads, glutes and "
            "hip flexors to keep you training consistently and recovering well."
        ),
        "seo_description": (
            "Runner-focused sports massage in Sandy Springs, GA: relieve tight calves, "
            "hamstrings and hips, prevent overuse injuries and recover faster."
        ),
        "lengths": [(30, "55"), (60, "95"), (90, "135")],
        "body": """\
## What it is

A sports massage shaped around running. Your therapist combines deep tissue work,
myofascial release, trigger point therapy and assisted stretching, choosing each for
what your legs need that day. It is focused, purposeful bodywork rather than a
relaxation massage.

## Whom it helps

- **Runners in a training block** who feel the same muscles tighten week after week:
  calves, hamstrings, quads, glutes and hip flexors.
- **Racers** before a goal race (a lighter session in race week) and after it, or after
  a long run, to ease soreness and speed recovery.
- **Runners with recurring aches** such as IT band syndrome, plantar fasciitis,
  Achilles tendinitis, shin splints or knee pain, which often begin with tight or
  unbalanced muscles that change how you move.

## What a session is like

We start with a few minutes on your training, your next race and anything that hurts
or feels tight. Then we work through the muscles that carry the load, easing
restrictions that throw off your gait and improving circulation so tired tissue gets
the oxygen and nutrients it needs to repair. Expect firm, specific pressure that is
always adjusted to you: tell us at any point if you want more or less.

## How often

During peak training, every week or two works well for most runners. Around races and
long runs, book a recovery session in the days after.
""",
    },
    {
        "slug": "deep-tissue-massage",
        "colour": "#f6c89f",
        "title": "Deep tissue massage",
        "ordering": 2,
        "summary": (
            "Slow, firm pressure into the deeper layers of muscle to release the stubborn "
            "tightness that builds up with mileage."
        ),
        "seo_description": (
            "Deep tissue massage for runners in Sandy Springs, GA: release chronic tightness "
            "in calves, quads and glutes and restore a smooth, efficient stride."
        ),
        "lengths": [(60, "100"), (90, "140")],
        "body": """\
## What it is

Deep tissue massage uses slow strokes and sustained, firm pressure to reach the deeper
layers of muscle and the connective tissue around them. It is the tool of choice for
the knots and bands of tightness that repetitive running leaves behind.

## Whom it helps

- Runners with **chronically tight calves, quads or glutes** that stretching alone does
  not shift.
- Anyone whose **tight hips or calves are changing their stride**, leading to
  compensations and aches further up or down the leg.
- Runners managing **IT band, knee or Achilles trouble** rooted in muscle tension.

## What a session is like

Your therapist warms the tissue first, then works gradually deeper. Some spots will
feel intense; the pressure should stay a "good hurt" and never sharp pain. You may feel
a little sore for a day, much like after a hard workout, so plan an easy run or a rest
day afterward and drink plenty of water.
""",
    },
    {
        "slug": "myofascial-release",
        "colour": "#c7dfb0",
        "title": "Myofascial release",
        "ordering": 3,
        "summary": (
            "Gentle, sustained holds that free restricted fascia, so muscles can glide and "
            "lengthen the way your stride needs them to."
        ),
        "seo_description": (
            "Myofascial release for runners in Sandy Springs, GA: ease fascial restrictions, "
            "improve mobility and range of motion, and support pain-free running."
        ),
        "lengths": [(45, "80"), (60, "100")],
        "body": """\
## What it is

Fascia is the web of connective tissue that wraps every muscle. Miles of repetitive
motion can leave it stiff and stuck, limiting how far muscles can lengthen. Myofascial
release uses slow, sustained pressure and stretch to let those restrictions ease.

## Whom it helps

- Runners with **restricted range of motion**, for example hips that will not open up
  or ankles that feel locked.
- Those with **plantar fasciitis, IT band tension or shin splints**, where tight fascia
  along the foot, outer thigh or shin plays a part.
- Runners who find very deep pressure too much but still need lasting change.

## What a session is like

The work is slower and quieter than a classic massage, often using little or no oil.
Your therapist holds each area until the tissue softens, then follows the release. Many
runners feel noticeably freer through the hips and legs on their next run.
""",
    },
    {
        "slug": "assisted-stretching",
        "colour": "#d8c4ec",
        "title": "Assisted stretching",
        "ordering": 4,
        "summary": (
            "One-on-one stretching on our stretching table: your therapist moves and supports "
            "you to improve flexibility beyond what you can reach on your own."
        ),
        "seo_description": (
            "Assisted stretching for runners in Sandy Springs, GA: improve flexibility and "
            "range of motion in hips, hamstrings and calves for a more efficient stride."
        ),
        "lengths": [(30, "50"), (60, "90")],
        "body": """\
## What it is

A hands-on stretching session on a dedicated stretching table. Your therapist guides
each limb through its range of motion, using techniques such as contract-relax to help
muscles let go, and takes you further than solo stretching safely can.

## Whom it helps

- Runners with **tight hamstrings, hip flexors or calves** that limit stride length.
- Those returning from a break or building mileage who want to **stay mobile** as the
  load rises.
- A great partner to massage, and a good choice in race week when you want to feel
  loose without deep work.

## What a session is like

You stay fully clothed, so wear loose athletic clothes. Your therapist works through
the hips, hamstrings, quads, calves and lower back, checking in about intensity as you
go. Expect to leave feeling longer, lighter and more mobile.
""",
    },
]

THERAPISTS = [
    {
        "slug": "maya-brooks",
        "name": "Maya Brooks",
        "credentials": "LMT · certified sports massage therapist",
        "bio": (
            "A former collegiate 10K runner, Maya has spent twelve years helping runners "
            "through marathon builds and back from injury. She specializes in calf, Achilles "
            "and plantar fascia work."
        ),
        "services": ["sports-massage-for-runners", "deep-tissue-massage", "myofascial-release"],
    },
    {
        "slug": "daniel-okafor",
        "name": "Daniel Okafor",
        "credentials": "LMT · myofascial release practitioner",
        "bio": (
            "Daniel combines myofascial release and deep tissue work to free up hips and "
            "IT bands. He coaches a local trail-running group on Saturday mornings."
        ),
        "services": ["sports-massage-for-runners", "deep-tissue-massage", "myofascial-release"],
    },
    {
        "slug": "priya-raman",
        "name": "Priya Raman",
        "credentials": "LMT · certified stretch therapist",
        "bio": (
            "Priya leads our assisted stretching sessions and loves helping new runners build "
            "the mobility that keeps them injury-free as their mileage grows."
        ),
        "services": ["assisted-stretching", "sports-massage-for-runners"],
    },
    {
        "slug": "tom-hadley",
        "name": "Tom Hadley",
        "credentials": "LMT",
        "bio": (
            "Tom works with masters runners and triathletes, with a focus on post-race "
            "recovery and keeping older legs moving freely."
        ),
        "services": ["sports-massage-for-runners", "deep-tissue-massage", "assisted-stretching"],
    },
]

MASSAGES = ["sports-massage-for-runners", "deep-tissue-massage", "myofascial-release"]

# (room name, services it suits): massage rooms, and the stretching table in its own studio.
ROOMS = [
    ("Treatment room 1", MASSAGES),
    ("Treatment room 2", MASSAGES),
    ("Treatment room 3", MASSAGES),
    ("Stretch studio", ["assisted-stretching"]),
]

WEEKDAYS, TUE_TO_FRI, SATURDAY = range(0, 5), range(1, 5), [5]


def _shifts(days, *intervals: tuple[str, str]) -> list[tuple[int, time, time]]:
    return [
        (day, time.fromisoformat(start), time.fromisoformat(end))
        for day in days
        for start, end in intervals
    ]


# Weekly hours per therapist slug: (weekday 0=Monday, start, end), local time; gaps are breaks.
WEEKLY_HOURS = {
    "maya-brooks": _shifts(WEEKDAYS, ("09:00", "12:30"), ("13:30", "18:00")),
    # Daniel coaches on Saturday mornings, so he works the late shift on weekdays.
    "daniel-okafor": _shifts(WEEKDAYS, ("10:00", "13:00"), ("14:00", "19:00")),
    "priya-raman": _shifts(WEEKDAYS, ("08:00", "12:00"), ("12:45", "16:30")),
    "tom-hadley": [
        *_shifts(TUE_TO_FRI, ("09:00", "12:30"), ("13:30", "18:00")),
        *_shifts(SATURDAY, ("08:00", "14:00")),
    ],
}

BOOKING_POLICY = {
    "slot_step_minutes": 15,
    "min_notice_hours": 12,
    "horizon_days": 60,
    "change_cutoff_hours": 24,
    "max_sessions_per_day": None,
    "reminder_hours_before": 24,
}

CLOSURES = [
    (date(2026, 11, 26), "Thanksgiving"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2027, 1, 1), "New Year's Day"),
]

# (username, password, first name, staff?, superuser?) — local demo use only.
ACCOUNTS = [
    ("admin", "clinic-admin-demo", "Alex", True, True),
    ("frontdesk", "clinic-frontdesk-demo", "Jordan", True, False),
    ("therapist", "clinic-therapist-demo", "Maya", True, False),
]

# The demo therapist account signs in as this therapist.
THERAPIST_ACCOUNTS = {"maya-brooks": "therapist"}

# Each demo account's staff role (group names from bookings/roles.py).
ACCOUNT_ROLES = {"admin": "Clinic admin", "frontdesk": "Front desk", "therapist": "Therapist"}

# `seed_demo --appointments`: a few clients (fictional, example.com addresses) booked over the
# next two clinic days, so the front desk's calendar has something on it.
DEMO_CLIENTS = [
    ("Jess", "Alvarez", "jess.alvarez@example.com", "(404) 555-0170"),
    ("Marcus", "Green", "marcus.green@example.com", "(404) 555-0171"),
    ("Hannah", "Lee", "hannah.lee@example.com", "(404) 555-0172"),
]
DEMO_INTAKE = {
    "client": 0,
    "weekly_mileage": 35,
    "next_race_distance": "half",
    "tight_areas": ["calves", "achilles"],
    "health_conditions": "Mild asthma.",
}
# (nth clinic day from tomorrow, "HH:MM", therapist slug, service slug, minutes, client)
DEMO_APPOINTMENTS = [
    (0, "09:00", "maya-brooks", "sports-massage-for-runners", 60, 0),
    (0, "11:00", "maya-brooks", "deep-tissue-massage", 60, 1),
    (0, "10:00", "daniel-okafor", "myofascial-release", 45, 2),
    (0, "09:00", "priya-raman", "assisted-stretching", 30, 1),
    (1, "14:00", "maya-brooks", "sports-massage-for-runners", 90, 2),
    (1, "15:00", "daniel-okafor", "deep-tissue-massage", 60, 0),
]


def price(value: str) -> Decimal:
    return Decimal(value)


# Race-aware suggestions (bookings.SuggestionRule): kind, service slug, minutes, window in
# hours from the race (before it for pre-race, after it for recovery).
RACE_SUGGESTIONS = [
    ("pre_race", "sports-massage-for-runners", 30, 72, 120),
    ("recovery", "sports-massage-for-runners", 60, 48, 72),
]
# Timing advice (bookings.TimingRule): service slug, hours before a race, why, and the
# alternative (service slug, minutes).
TIMING_RULES = [
    (
        "deep-tissue-massage",
        48,
        "Deep tissue work can leave your legs sore for a day or two, so we keep it at least "
        "48 hours away from a race. A light 30-minute sports massage loosens you up without "
        "the soreness.",
        ("sports-massage-for-runners", 30),
    ),
]
