from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from services.models import Service


class SiteSitemap(Sitemap):
    """A sitemap whose absolute URLs use SITE_URL, like the canonical links do."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class PageSitemap(SiteSitemap):
    priority = 0.8

    def items(self) -> list[str]:
        return ["home", "services:list", "therapists", "visit"]

    def location(self, item: str) -> str:
        return reverse(item)


class ServiceSitemap(SiteSitemap):
    priority = 0.9

    def items(self):
        return Service.objects.published()

    def lastmod(self, item: Service):
        return item.updated_at


SITEMAPS = {"pages": PageSitemap, "services": ServiceSitemap}
