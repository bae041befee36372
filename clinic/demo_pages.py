"""The demo clinic's page content: page sections, reviews, FAQs and therapist profiles.

Loaded by `manage.py seed_demo` beside clinic/demo_content.py. License numbers are
placeholders in the Georgia format for the clinic to replace in the admin; the reviews
are illustrative, written for the demo.
"""

HOME_SECTIONS = [
    {
        "heading": "Who we help",
        "ordering": 1,
        "body": """\
- **Runners in training.** Sessions every week or two during a hard block keep overworked
  muscles supple, so your stride stays smooth and efficient as the mileage climbs.
- **Before and after race day.** A lighter session in race week, then recovery-focused work
  after the finish line or a long run, to ease soreness and get you back out sooner.
- **Runners with a nagging ache.** IT band trouble, plantar fasciitis, Achilles pain, shin
  splints and sore knees often start with tight or unbalanced muscles. We work on the cause
  as well as the spot that hurts.
""",
    },
    {
        "heading": "Why runners come back",
        "ordering": 2,
        "body": """\
- **Fewer overuse injuries.** Supple, responsive muscles are less likely to pull your running
  mechanics out of line.
- **Quicker recovery.** Better circulation clears the waste of hard efforts and brings oxygen
  and nutrients to tired tissue.
- **A freer stride.** Looser hips and calves restore range of motion, so each step costs less
  energy.
- **A calmer head.** Massage helps your nervous system settle after big weeks and races,
  which shows up in your sleep and your motivation.
""",
    },
]

# The visit page's own sections, beside the address, hours, parking and policy it always shows.
VISIT_SECTIONS = [
    {
        "heading": "By transit or bike",
        "ordering": 1,
        "body": """\
MARTA's Red Line stops at North Springs and Sandy Springs stations, a short ride away, and
the buses along Roswell Road stop across the street. Cycling over? There is a bike rack by
the front door.
""",
    },
    {
        "heading": "Accessibility",
        "ordering": 2,
        "body": """\
The entrance from the parking lot is step-free, and the elevator to our second-floor suite
is on the left of the lobby. Our treatment tables raise and lower, and the restroom on our
floor is wheelchair accessible. Tell us when you book if anything else would help.
""",
    },
    {
        "heading": "Paying, HSA/FSA and receipts",
        "ordering": 3,
        "body": """\
You pay after your session; booking charges nothing. We take Visa, Mastercard, American
Express, Discover, Apple Pay, Google Pay and HSA or FSA cards.

Ask at the front desk, or reply to your confirmation email, for an itemized receipt with
your therapist's Georgia license number. Many HSA and FSA plans cover massage with a letter
of medical necessity from your doctor. We do not bill insurance directly, but the receipt
has what most insurers ask for.
""",
    },
]

REVIEWS = [
    {
        "first_name": "Jess",
        "race": "Publix Atlanta Marathon",
        "rating": 5,
        "service": "sports-massage-for-runners",
        "quote": "Maya sorted out the calf tightness that had dogged my whole build. I ran the "
        "last 10K faster than the first, and I was walking normally two days later.",
    },
    {
        "first_name": "Marcus",
        "race": "Peachtree Road Race 10K",
        "rating": 5,
        "service": "deep-tissue-massage",
        "quote": "Firm, focused and explained as it went. My IT band finally stopped "
        "complaining on hills.",
    },
    {
        "first_name": "Hannah",
        "race": "First half marathon",
        "rating": 5,
        "service": "assisted-stretching",
        "quote": "Priya helped me get my hips moving again as my mileage went up. I look "
        "forward to these sessions every other week.",
    },
    {
        "first_name": "Luis",
        "race": "Trail 50K",
        "rating": 4,
        "service": "myofascial-release",
        "quote": "Slower and gentler than I expected, and my ankles felt freer on the very "
        "next run. Booking online took a minute.",
    },
]

QUESTIONS = {
    "sports-massage-for-runners": [
        (
            "How close to a race can I have a sports massage?",
            "A lighter session two to four days before a race keeps you loose without "
            "leaving you sore. Save deep work for after the race.",
        ),
        (
            "Will it hurt?",
            "Expect firm, specific pressure. It should feel like a good hurt and never sharp "
            "pain. Tell your therapist at any point and they will adjust.",
        ),
        (
            "How often should I come?",
            "Every week or two during peak training suits most runners, plus a recovery "
            "session in the days after a race or a long run.",
        ),
    ],
    "deep-tissue-massage": [
        (
            "Will I be sore afterward?",
            "Perhaps for a day, much like after a hard workout. Plan an easy run or a rest "
            "day and drink plenty of water.",
        ),
        (
            "Is deep tissue right for an injury?",
            "It helps when tight muscle is behind the pain. For a new or sharp injury, see "
            "your doctor or physical therapist first.",
        ),
    ],
    "myofascial-release": [
        (
            "How is it different from a regular massage?",
            "It is slower, uses little or no oil, and holds each area until the fascia "
            "softens, rather than gliding over the muscle.",
        ),
        (
            "Does it help plantar fasciitis?",
            "Many runners find it eases the tight fascia along the foot and calf that "
            "plays a part in plantar fasciitis.",
        ),
    ],
    "assisted-stretching": [
        (
            "What should I wear?",
            "Loose athletic clothes. You stay fully clothed for the whole session.",
        ),
        (
            "Can I book stretching in race week?",
            "Yes: it leaves you feeling loose without the soreness deep work can bring.",
        ),
    ],
}

THERAPIST_PROFILES = {
    "maya-brooks": {
        "license_number": "MT012841",
        "practicing_since": 2014,
        "bio": """\
Maya ran the 10,000 meters in college and still races a marathon most years, so she knows
from the inside how a training block loads the lower legs. Most of her clients come to her
with tight calves, a grumbling Achilles or heel pain on the first steps out of bed.

**What to expect:** firm, focused work on the calves, shins and feet, with myofascial release
where the tissue needs time rather than pressure, and a few stretches to take home.

**Good to know:** she is happy to plan sessions around your race calendar, with a lighter
flush in race week and recovery work a few days after.
""",
    },
    "daniel-okafor": {
        "license_number": "MT015307",
        "practicing_since": 2017,
        "bio": """\
Daniel came to massage from trail running, after an IT band that would not settle taught him
how much the hips drive a runner's knees. He blends myofascial release with deep tissue work
to free up hips, glutes and the outside of the thigh.

**What to expect:** slow, deliberate pressure and plenty of talk about what he finds and why it
matters for your stride.

**Good to know:** on Saturday mornings he coaches a local trail group, so he books up fast for
Friday afternoons.
""",
    },
    "priya-raman": {
        "license_number": "MT019552",
        "practicing_since": 2020,
        "bio": """\
Priya leads our assisted stretching sessions. She works with a lot of newer runners who are
raising their mileage for a first half marathon and want the hip and hamstring mobility to
keep up with it.

**What to expect:** active, guided stretching in athletic clothes, with Priya moving each
joint through its range while you breathe and relax into it.

**Good to know:** she also gives sports massage, and pairs well with a stretching session the
same week.
""",
    },
    "tom-hadley": {
        "license_number": "MT008163",
        "practicing_since": 2009,
        "bio": """\
Tom has worked with endurance athletes for more than fifteen years, many of them masters
runners and triathletes who want to keep racing well into their fifties and sixties.

**What to expect:** recovery-minded sessions after races and long weeks, with extra time on
the areas that stiffen with age: calves, hip flexors and the lower back.

**Good to know:** ask him about pacing a comeback after time off; he has seen most of them.
""",
    },
}
