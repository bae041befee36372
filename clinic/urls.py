from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from bookings.views import public as bookings_public
from clinic import views
from clinic.sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("visit/", views.visit, name="visit"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("services/", include("services.urls")),
    path("therapists/", bookings_public.therapist_list, name="therapists"),
    path("book/", include("bookings.urls")),
    path("staff/", include("clinic.two_factor_urls")),
    path("staff/", include("bookings.staff_urls")),
    path("admin/", admin.site.urls),
]
