from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"
    default = True


class ClinicAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by the site that admits clinic admins only."""

    default = False  # named in INSTALLED_APPS; "clinic" alone means ClinicConfig
    default_site = "clinic.admin_site.ClinicAdminSite"
