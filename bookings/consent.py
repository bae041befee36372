"""The consent texts a runner agrees to when booking online, and their versions.

A runner's intake stores the time of each consent and the version of the text agreed to, so
the clinic can always tell which wording someone accepted. Change a text only together with
its version (a date plus a counter, at most 20 characters), never one without the other.
"""

POLICY_VERSION = "2026-11-26.1"
POLICY_TEXT = (
    "I agree to the clinic's cancellation policy: I can move or cancel online until the "
    "cut-off shown above; after that I call the clinic, and a late cancellation or a missed "
    "session may be charged half the session price."
)

TREATMENT_VERSION = "2026-11-26.1"
TREATMENT_TEXT = (
    "I consent to massage treatment. What I have told you about my health and medications "
    "is accurate to the best of my knowledge; I will tell my therapist about any change, and "
    "I can ask them to change the pressure or stop at any time."
)

GUARDIAN_TEXT = (
    "Runners under 18 book with a parent's or guardian's consent, given by the person named "
    "here, who should come to the first session."
)
