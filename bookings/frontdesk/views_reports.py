"""Staff pages, part 5: the clinic's reports, as a page of charts and tables and as CSV.

Both read the period from the query string through ``ReportForm``: no dates means the last
8 weeks (or 6 months); bad dates answer 422 with the reason beside the field. The figures
come from ``reports.build_report`` in a fixed number of queries.
"""

import csv
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bookings import clock, roles
from bookings.frontdesk import charts
from bookings.frontdesk.forms import ReportForm
from bookings.frontdesk.reports import Figures, Grouping, Ratio, Report, build_report, preset_range

FIELDS = ("by", "start", "end")


def _read_period(request: HttpRequest) -> tuple[ReportForm, Report | None]:
    """Return the period form and, if it is valid, the report it asks for."""
    today = clock.now().date()
    bound = any(name in request.GET for name in FIELDS)
    form = ReportForm(request.GET if bound else None, today=today)
    if bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if bound else {"by": "week", "start": None, "end": None}
    by = Grouping(data["by"])
    first, last = data["start"], data["end"]
    if first is None:
        first, last = preset_range(by, today)
    return form, build_report(first=first, last=last, by=by, now=timezone.now())


@roles.staff_required(roles.VIEW_CALENDAR)
@require_safe
def reports(request: HttpRequest) -> HttpResponse:
    form, report = _read_period(request)
    context = {"form": form, "report": report}
    if report is None:
        return render(request, "staff/reports.html", context, status=422)
    context |= {
        "charts": _charts(report),
        "query": request.GET.urlencode(),
        "presets": [(Grouping.WEEK, "Last 8 weeks"), (Grouping.MONTH, "Last 6 months")],
    }
    return render(request, "staff/reports.html", context)


@roles.staff_required(roles.VIEW_CALENDAR)
@require_safe
def reports_csv(request: HttpRequest) -> HttpResponse:
    form, report = _read_period(request)
    if report is None:
        return render(request, "staff/reports.html", {"form": form, "report": None}, status=422)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"clinic-report-{report.first.isoformat()}-to-{report.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["Period", "From", "To", "Figure", "Of", "Count", "Out of", "Percent"])
    writer.writerows(csv_rows(report))
    return response


def csv_rows(report: Report) -> list[list]:
    """Return the report's figures as CSV rows, per period then for the whole range."""
    rows = []

    def add(label: str, first: date, last: date, figure: str, of: str, ratio: Ratio) -> None:
        percent = "" if ratio.percent is None else f"{ratio.percent:.1f}"
        dates = [first.isoformat(), last.isoformat()]
        rows.append([label, *dates, figure, _cell(of), ratio.count, ratio.out_of, percent])

    every = [(p.label, p.first, p.last, f, i) for i, (p, f) in enumerate(report.rows)]
    every.append(("Total", report.first, report.last, report.total, None))
    for label, first, last, figures, i in every:
        usages = [("Therapist utilization", u) for u in report.therapists]
        usages += [("Room utilization", u) for u in report.rooms]
        for kind, usage in usages:
            ratio = usage.total if i is None else usage.by_period[i]
            add(label, first, last, kind, usage.name, ratio)
        for figure, of, ratio in _figure_rows(figures):
            add(label, first, last, figure, of, ratio)
    return rows


def _cell(text: str) -> str:
    """Return `text` as a spreadsheet shows it, never as a formula (a therapist or room
    name is typed in the admin)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _figure_rows(figures: Figures) -> list[tuple[str, str, Ratio]]:
    return [
        ("Bookings", "Online", figures.online_share),
        ("Bookings", "Front desk", figures.desk_share),
        ("No-shows", "Sessions due", figures.no_show_rate),
        ("Late cancellations", "Bookings", figures.late_cancellation_rate),
        ("Runners", "New", Ratio(figures.new_runners, figures.runners)),
        ("Runners", "Returning", Ratio(figures.returning_runners, figures.runners)),
    ]


def _listing(pairs) -> str:
    return "; ".join(f"{label}: {text}" for label, text in pairs) or "No periods."


def _percent(ratio: Ratio) -> str:
    return "no data" if ratio.percent is None else f"{ratio.percent:g}%"


def _charts(report: Report) -> dict[str, charts.Chart]:
    labels = [period.label for period in report.periods]
    span = f"{clock.day(report.first, year=True)} to {clock.day(report.last, year=True)}"
    out = {}
    for key, usages, what in (
        ("therapists", report.therapists, "therapist"),
        ("rooms", report.rooms, "room"),
    ):
        out[key] = charts.bars(
            key=f"chart-{key}",
            title=f"Utilization per {what}, {span}",
            description="Booked minutes out of available minutes. "
            + _listing((u.name, _percent(u.total)) for u in usages),
            labels=[u.name for u in usages],
            series=charts.Series("Utilization", "chart-fill-1", [u.total.percent for u in usages]),
        )
    rows = report.rows
    out["sources"] = charts.columns(
        key="chart-sources",
        title=f"Bookings by source per {report.by}",
        description=_listing((p.label, f"{f.online} online, {f.desk} front desk") for p, f in rows),
        labels=labels,
        series=[
            charts.Series("Online", "chart-fill-1", [f.online for _, f in rows]),
            charts.Series("Front desk", "chart-fill-2", [f.desk for _, f in rows]),
        ],
        stacked=True,
    )
    out["rates"] = charts.columns(
        key="chart-rates",
        title=f"No-show and late-cancellation rates per {report.by}",
        description=_listing(
            (
                p.label,
                f"no-shows {_percent(f.no_show_rate)}, "
                f"late cancellations {_percent(f.late_cancellation_rate)}",
            )
            for p, f in rows
        ),
        labels=labels,
        series=[
            charts.Series("No-shows", "chart-fill-3", [f.no_show_rate.percent for _, f in rows]),
            charts.Series(
                "Late cancellations",
                "chart-fill-2",
                [f.late_cancellation_rate.percent for _, f in rows],
            ),
        ],
        stacked=False,
        unit="%",
    )
    out["runners"] = charts.columns(
        key="chart-runners",
        title=f"New and returning runners per {report.by}",
        description=_listing(
            (p.label, f"{f.new_runners} new, {f.returning_runners} returning") for p, f in rows
        ),
        labels=labels,
        series=[
            charts.Series("New", "chart-fill-1", [f.new_runners for _, f in rows]),
            charts.Series("Returning", "chart-fill-4", [f.returning_runners for _, f in rows]),
        ],
        stacked=True,
    )
    return out
