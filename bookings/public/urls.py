from django.urls import path

from bookings.public import views as public
from bookings.public import views_intake as intake
from bookings.public import views_manage as manage
from bookings.public import views_nudges as nudges
from bookings.public import views_race as race
from bookings.public import views_series as block
from bookings.public import views_waitlist as waitlist

app_name = "bookings"
urlpatterns = [
    # The journey; the query string carries the choices so far.
    path("", public.start, name="start"),
    path("therapist/", public.therapist, name="therapist"),
    path("time/", public.time, name="time"),
    path("times/", public.times, name="times"),
    path("details/", public.details, name="details"),
    path("booked/<uuid:key>/", public.booked, name="booked"),
    path("series/", block.book, name="series"),
    path("series/<uuid:key>/", block.booked, name="series_booked"),
    path("booked/<uuid:key>/race/", race.race_date, name="race"),
    # From the emails.
    path("manage/<str:token>/", manage.manage, name="manage"),
    path("manage/<str:token>/move/", manage.move, name="move"),
    path("manage/<str:token>/move/times/", manage.move_times, name="move_times"),
    path("manage/<str:token>/move/confirm/", manage.move_confirm, name="move_confirm"),
    path("manage/<str:token>/cancel/", manage.cancel, name="cancel"),
    path("manage/<str:token>/intake/", intake.intake, name="intake"),
    path("manage/<str:token>/suggested/", race.suggested, name="suggested"),
    path("manage/<str:token>/calendar.ics", manage.calendar_file, name="calendar"),
    path("nudges/stopped/", nudges.nudges_stopped, name="nudges_stopped"),
    path("nudges/off/<str:token>/", nudges.nudges_off, name="nudges_off"),
    path("find/", manage.find, name="find"),
    path("find/sent/", manage.find_sent, name="find_sent"),
    path("mine/", manage.my_bookings, name="my_bookings"),
    path("mine/suggested/", race.mine_suggested, name="mine_suggested"),
    # Before the link's route: a booking's id is all digits, a link's token never is.
    path("mine/<int:pk>/", manage.open_booking, name="open_booking"),
    path("mine/<str:token>/", manage.open_find_link, name="find_link"),
    # The waitlist: joined from the time page; leave and claim links come by email.
    path("waitlist/", waitlist.join, name="waitlist"),
    path("waitlist/joined/", waitlist.joined, name="waitlist_joined"),
    path("waitlist/left/", waitlist.left, name="waitlist_left"),
    path("waitlist/leave/<str:token>/", waitlist.leave, name="waitlist_leave"),
    path("waitlist/offer/<str:token>/", waitlist.claim, name="waitlist_claim"),
]
