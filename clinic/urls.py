from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from clinic import views
from clinic.sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("visit/", views.visit, name="visit"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("services/", include("services.urls")),
    path("therapists/", views.therapist_list, name="therapists"),
    path("therapists/<slug:slug>/", views.therapist_detail, name="therapist"),
    path("book/", include("bookings.public.urls")),
    path("staff/", include("clinic.two_factor_urls")),
    path("staff/", include("bookings.frontdesk.urls")),
    path("admin/", admin.site.urls),
    # Uploaded pictures from the local folder (an S3 store serves its own). Names are
    # random and never reused, so browsers may keep them; see clinic.views.media.
    path("media/<path:path>", views.media, name="media"),
]
