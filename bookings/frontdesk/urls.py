"""The front desk and therapists' pages, under /staff/. Who may use each: bookings/roles.py.

Dates are plain ``YYYY-MM-DD`` segments (checked by the views, 404 if not a real date), so
no URL converter is registered project-wide.
"""

from django.urls import path, re_path

from bookings.frontdesk import views as staff
from bookings.frontdesk import views_appointments as staff_appointments
from bookings.frontdesk import views_clients as staff_clients
from bookings.frontdesk import views_emails as staff_emails
from bookings.frontdesk import views_records as staff_records
from bookings.frontdesk import views_reports as staff_reports
from bookings.frontdesk import views_waitlist as staff_waitlist
from bookings.frontdesk import views_walk_in as staff_walk_in

DAY = r"(?P<day>\d{4}-\d{2}-\d{2})"

app_name = "staff"
urlpatterns = [
    path("login/", staff.sign_in, name="login"),
    path("logout/", staff.sign_out, name="logout"),
    # The clinic's day, a therapist's week.
    path("", staff.day, name="day"),
    re_path(rf"^day/{DAY}/$", staff.day, name="day_for"),
    path("week/", staff.week_start, name="week_start"),
    path("week/<int:therapist>/", staff.week, name="week"),
    re_path(rf"^week/(?P<therapist>\d+)/{DAY}/$", staff.week, name="week_for"),
    path("calendar.css", staff.calendar_css, name="calendar_css"),
    # Bookings and changes.
    path("book/", staff_appointments.book, name="book"),
    path("walk-in/", staff_walk_in.walk_in, name="walk_in"),
    path("block/", staff_appointments.block, name="block"),
    path("block/<int:pk>/remove/", staff_appointments.unblock, name="unblock"),
    path("appointments/<int:pk>/", staff_appointments.appointment, name="appointment"),
    path("appointments/<int:pk>/move/", staff_appointments.move, name="move"),
    path("appointments/<int:pk>/cancel/", staff_appointments.cancel, name="cancel"),
    path("appointments/<int:pk>/status/", staff_appointments.status, name="status"),
    path("appointments/<int:pk>/resend-link/", staff_appointments.resend_link, name="resend_link"),
    # Checkout: payments, fees, receipts.
    path("appointments/<int:pk>/checkout/", staff_records.checkout_view, name="checkout"),
    path("appointments/<int:pk>/waive-fee/", staff_records.waive_fee, name="waive_fee"),
    path("appointments/<int:pk>/pay-fee/", staff_records.pay_fee, name="pay_fee"),
    path("appointments/<int:pk>/receipt/", staff_records.receipt, name="receipt"),
    path("appointments/<int:pk>/receipt/email/", staff_records.receipt_email, name="receipt_email"),
    # Clients.
    path("clients/", staff_clients.clients, name="clients"),
    path("clients/search/", staff_appointments.live_client_search, name="client_search"),
    path("clients/<int:pk>/", staff_clients.client, name="client"),
    path("clients/<int:pk>/notes/", staff_clients.client_notes, name="client_notes"),
    path("clients/<int:pk>/contact/", staff_clients.client_contact, name="client_contact"),
    path("clients/<int:pk>/nudges/", staff_clients.client_nudges, name="client_nudges"),
    path("clients/<int:pk>/merge/", staff_records.client_merge, name="client_merge"),
    path("clients/<int:pk>/export/", staff_clients.client_export, name="client_export"),
    path(
        "clients/<int:pk>/export.json", staff_clients.client_export_json, name="client_export_json"
    ),
    path("clients/<int:pk>/erase/", staff_clients.client_erase, name="client_erase"),
    path(
        "clients/<int:pk>/revoke-links/",
        staff_clients.client_revoke_links,
        name="client_revoke_links",
    ),
    # Client emails the mail server refused.
    path("emails/", staff_emails.emails, name="emails"),
    # Runners waiting for a time, the holds and offers made for them.
    path("waitlist/", staff_waitlist.waitlist_list, name="waitlist"),
    path("waitlist/<int:pk>/remove/", staff_waitlist.waitlist_remove, name="waitlist_remove"),
    # The clinic's reports.
    path("reports/", staff_reports.reports, name="reports"),
    path("reports/export.csv", staff_reports.reports_csv, name="reports_csv"),
    # Therapists.
    path("me/", staff.my_schedule, name="my_schedule"),
    path("me/calendar/", staff.my_calendar, name="my_calendar"),
    path("me/time-off/", staff_records.my_time_off, name="my_time_off"),
    path(
        "me/time-off/<int:pk>/remove/",
        staff_records.my_time_off_remove,
        name="my_time_off_remove",
    ),
    path("feed/<slug:token>.ics", staff.feed, name="feed"),
]
