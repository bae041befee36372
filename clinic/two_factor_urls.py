from django.urls import path

from clinic import two_factor

app_name = "two_factor"
urlpatterns = [
    path("", two_factor.verify, name="verify"),
    path("setup/", two_factor.setup, name="setup"),
]
