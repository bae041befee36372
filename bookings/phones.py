"""Phone numbers: parsed with `phonenumbers` (region US), stored E.164, shown one way.

Stored ``+14045550111``, shown ``(404) 555-0111`` (numbers abroad in their international
format), and found however they are typed: ``404.555.0111``, ``+1 404 555 0111``,
``4045550111`` all mean the same number.
"""

import re

import phonenumbers

REGION = "US"
EXAMPLE = "(404) 555-0142"
INVALID = f"Enter a phone number we can call, such as {EXAMPLE}."
# What a phone number may be typed with; anything else in a search is a name or an email.
PHONE_CHARACTERS = re.compile(r"^[\d\s().+\-/]+$")


class InvalidPhone(ValueError):
    """A phone number that cannot be dialled as typed."""


def parse(text: str) -> phonenumbers.PhoneNumber | None:
    """Return `text` as a possible phone number (US unless it starts with +), or None."""
    try:
        number = phonenumbers.parse(text.strip(), REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def to_e164(text: str) -> str:
    """Return `text` as E.164 ("+14045550111"), "" for a blank; raise InvalidPhone."""
    if not text.strip():
        return ""
    number = parse(text)
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(stored: str) -> str:
    """Return a stored number the one way people read it: "(404) 555-0111" in the US."""
    number = parse(stored) if stored else None
    if number is None:
        return stored  # a number kept as typed before numbers were parsed
    if number.country_code == 1:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def search_digits(query: str) -> str | None:
    """Return the digits to find in stored numbers if `query` looks like (part of) a phone
    number, else None. A whole number becomes its E.164 digits, so the country code typed
    or not makes no difference."""
    query = query.strip()
    if not PHONE_CHARACTERS.match(query):
        return None
    digits = re.sub(r"\D", "", query)
    if len(digits) < 3:
        return None
    number = parse(query)
    if number is not None and phonenumbers.is_valid_number(number):
        if number.country_code == 1:
            # The ten digits alone, so a number stored before parsing (no +1) is found too.
            return str(number.national_number)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    return digits
