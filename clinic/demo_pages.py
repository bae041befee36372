"""The demo clinic's page content: home sections, reviews, FAQs and therapist profiles.

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
    "maya-brooks": {"license_number": "MT012841", "practicing_since": 2014},
    "daniel-okafor": {"license_number": "MT015307", "practicing_since": 2017},
    "priya-raman": {"license_number": "MT019552", "practicing_since": 2020},
    "tom-hadley": {"license_number": "MT008163", "practicing_since": 2009},
}
