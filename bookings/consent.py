"""The consent texts a runner agrees to when booking online, and their versions.

Each booking records the consent given for it (``BookingConsent``) with the version of the
text agreed to, so the clinic can always tell which wording someone accepted. Change a text
only together with its version (a date plus a counter, at most 20 characters), never one
without the other.
"""

# One line on the details step: the policy and the treatment consent, stated once, with the
# policy itself one tap away (a <details> beside the box).
TERMS_VERSION = "2026-12-01.1"
TERMS_TEXT = "I agree to the cancellation policy and consent to massage treatment."
TREATMENT_TEXT = (
    "What I tell you about my health and medications is accurate to the best of my "
    "knowledge; I will tell my therapist about any change, and I can ask them to change the "
    "pressure or stop at any time."
)

GUARDIAN_VERSION = "2026-12-01.1"
GUARDIAN_TEXT = (
    "I am this runner's parent or guardian and I consent to their massage treatment. I will "
    "come to the first session."
)

# Earlier versions, still named by intakes saved before the one-line consent.
POLICY_VERSION = TREATMENT_VERSION = TERMS_VERSION
