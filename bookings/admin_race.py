"""Admin for the race rules: the sessions suggested around a race, and the timing advice."""

from django import forms
from django.contrib import admin
from django.db import models

from bookings.models import SuggestionRule, TimingRule


@admin.register(SuggestionRule)
class SuggestionRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "service_length", "window_display", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["service_length__service"]
    fields = ["kind", "service_length", "min_hours", "max_hours", "active"]

    @admin.display(description="window")
    def window_display(self, rule: SuggestionRule) -> str:
        return rule.window_display


@admin.register(TimingRule)
class TimingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "alternative", "active"]
    list_filter = ["active"]
    list_select_related = ["service", "alternative__service"]
    fields = ["service", "hours_before_race", "explanation", "alternative", "active"]
    formfield_overrides = {models.CharField: {"widget": forms.Textarea(attrs={"rows": 3})}}
