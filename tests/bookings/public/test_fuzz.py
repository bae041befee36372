"""Random, garbage, huge, unicode and DST-gap input to every booking step: never a 5xx,
never an unescaped echo."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic import ratelimit

MARKER = "<script>fz</script>"
EXAMPLES = 1000

weird = st.sampled_from(
    [
        MARKER,
        f'"><{MARKER}',
        f"javascript:{MARKER}",
        "2027-03-14T02:30",  # clocks go forward: this wall time never happens
        "2026-11-01T01:30",  # clocks go back: this one happens twice
        "2026-12-08T10:00",
        "2026-12-08T10:07",
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "2026-02-30",
        "0000-00-00",
        "-1",
        "0",
        "1e309",
        "NaN",
        "99999999999999999999999999",
        "any",
        "maya",
        "tom",
        "other",
        "\x00",
        "a\x00b",
        "\u202e\u0000\ufeff",
        "' OR 1=1 --",
        "%00",
        "../../etc/passwd",
        "x" * 10_000,
        "🏃‍♀️" * 500,
        "ß\u0301" * 100,
        "",
    ]
)
value = st.one_of(
    weird,
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.dates().map(str),
)
QUERY = ["service", "length", "therapist", "week", "day", "all", "start", "step"]
FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "weekly_mileage",
    "next_race_date",
    "next_race_distance",
    "tight_areas",
    "other_area",
    "health_conditions",
    "medications",
    "date_of_birth",
    "guardian_name",
    "guardian_phone",
    "guardian_relationship",
    "guardian_consent",
    "consent",
    "key",
    "confirm",
    "edit",
    "reason",
    # A training block: "repeat this", each session's pick, "this and the rest".
    "repeat",
    "sessions",
    "session-1",
    "session-2",
    "book",
    "rest",
    # The race: its date, a suggestion's one tap, a timing rule's tick.
    "race_date",
    "distance",
    "rule",
    "start",
    "timing_ok",
]
STEPS = ["", "therapist/", "time/", "times/", "details/", "find/", "find/sent/", "series/"]
STEPS += ["mine/suggested/"]
TOKENED = ["manage/{}/", "manage/{}/move/", "manage/{}/move/times/", "manage/{}/move/confirm/"]
TOKENED += ["manage/{}/cancel/", "manage/{}/calendar.ics", "mine/{}/", "mine/{}/1/"]
TOKENED += ["manage/{}/intake/", "manage/{}/suggested/"]


def params(names: list[str], known: dict) -> st.SearchStrategy[dict]:
    """Return dicts of some of `names`, each a random value, a list of them or a real one."""
    one = st.one_of(value, st.lists(value, max_size=3), st.sampled_from(list(known.values())))
    return st.dictionaries(st.sampled_from(names), one, max_size=len(names))


@pytest.fixture
def no_limits(monkeypatch):
    """The fuzz sends far more posts than one address may; the limits have their own tests."""
    monkeypatch.setattr(ratelimit, "hit", lambda *args, **kwargs: True)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_causes_a_server_error_or_an_unescaped_echo(
    client, clinic, booked, no_limits, data
):
    known = {
        "length": str(clinic["length"].pk),
        "stretch": str(clinic["stretch"].pk),
        "therapist": "maya",
        "start": "2026-12-08T10:00",
        "day": "2026-12-08",
        "consent": "on",
        "week": "2026-12-14",
        "date_of_birth": "2012-05-01",
        "repeat": "1",
        "sessions": "2",
        "session-1": "2026-12-08T10:00",
        "session-2": "skip",
    }
    if data.draw(st.booleans()):
        url = "/book/" + data.draw(st.sampled_from(STEPS))
    else:
        # A real manage link too, so the pages behind it (the intake among them) are fuzzed.
        token = data.draw(st.one_of(value, st.just("A" * 32), st.just(booked.token)))
        token = token.replace("/", "")
        url = "/book/" + data.draw(st.sampled_from(TOKENED)).format(token or "x")
    query = data.draw(params(QUERY, known))
    if data.draw(st.booleans()):
        response = client.get(url, query)
    else:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items() if isinstance(v, str))
        response = client.post(url, data.draw(params(FIELDS, known)))

    assert response.status_code < 500, (url, response.status_code)
    body = response.content.decode(errors="replace")
    assert MARKER not in body and "<script>fz" not in body
