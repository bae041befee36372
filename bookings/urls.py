from django.urls import path

from bookings.views import public

app_name = "bookings"
urlpatterns = [
    path("", public.book, name="start"),
]
