"""Shared set-up for the race tests: the clinic's rules and a runner's race."""

from datetime import date, datetime

from bookings.models import RunnerIntake, SuggestionRule, TimingRule

RACE_DAY = date(2026, 12, 19)  # a Saturday, twelve days after the public tests' clock


def make_suggestion_rules(length, recovery_length=None) -> tuple[SuggestionRule, SuggestionRule]:
    """Return the clinic's defaults: pre-race 3 to 5 days before, recovery 48 to 72 hours after."""
    pre = SuggestionRule.objects.create(
        kind=SuggestionRule.Kind.PRE_RACE, service_length=length, min_hours=72, max_hours=120
    )
    recovery = SuggestionRule.objects.create(
        kind=SuggestionRule.Kind.RECOVERY,
        service_length=recovery_length or length,
        min_hours=48,
        max_hours=72,
    )
    return pre, recovery


def make_timing_rule(service, *, hours: int = 48, alternative=None) -> TimingRule:
    return TimingRule.objects.create(
        service=service,
        hours_before_race=hours,
        explanation="Deep work leaves legs sore for two days, so not this close to a race.",
        alternative=alternative,
    )


def give_race(client, race_date: date, *, now: datetime) -> RunnerIntake:
    """Save `race_date` as the client's next race on their intake."""
    return RunnerIntake.objects.create(
        client=client,
        next_race_date=race_date,
        policy_consent_at=now,
        policy_version="test",
        treatment_consent_at=now,
        treatment_version="test",
    )
