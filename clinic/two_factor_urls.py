from django.urls import path

from clinic import two_factor

app_name = "two_factor"
urlpatterns = [
    path("2fa/", two_factor.verify, name="verify"),
    path("2fa/setup/", two_factor.setup, name="setup"),
    path("2fa/recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path("password/", two_factor.password_change, name="password"),
]
