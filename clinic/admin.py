from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from reversion.admin import VersionAdmin

from clinic import pictures, views
from clinic.admin_site import is_clinic_admin
from clinic.drafts import DraftAdmin
from clinic.models import (
    ClinicProfile,
    OpeningHours,
    PageSection,
    Picture,
    Review,
    TherapistProfile,
)


@admin.register(ClinicProfile)
class ClinicProfileAdmin(VersionAdmin):
    autocomplete_fields = ["hero_picture"]
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        (
            "Address and contact",
            {"fields": ["street_address", "locality", "region", "postal_code", "phone", "email"]},
        ),
        ("Home page", {"fields": ["hero_heading", "hero_text", "hero_picture"]}),
        (
            "Visiting",
            {
                "fields": ["map_url", "parking", "what_to_wear", "cancellation_policy"],
                "description": "Shown on the visit page and in booking confirmations. The "
                "visit page's other sections (transit, accessibility, paying and receipts) "
                "are page sections.",
            },
        ),
        ("Reviews", {"fields": ["review_markup"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One profile only; seed_demo (or the first save) creates it.
        return super().has_add_permission(request) and not ClinicProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ClinicProfile | None = None) -> bool:
        return False


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]
    list_editable = ["opens", "closes"]
    list_display_links = ["weekday"]


class ResetOnly:
    """Let every clinic admin see and delete sign-in devices, and nobody add or edit one.

    Deleting a lost phone's authenticator is how an admin resets it: the owner sets up a new
    one (with new recovery codes) at their next sign-in. The role groups hold no django-otp
    permissions, so this asks for the role instead; secrets stay hidden
    (OTP_ADMIN_HIDE_SENSITIVE_DATA) and devices are only ever made by their owner.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_clinic_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_clinic_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_clinic_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class AuthenticatorAdmin(ResetOnly, TOTPDeviceAdmin):
    pass


class RecoveryCodesAdmin(ResetOnly, StaticDeviceAdmin):
    inlines = []  # the codes themselves are for their owner only


# Importing django-otp's admin modules above registered their own versions first.
for model, model_admin in [(TOTPDevice, AuthenticatorAdmin), (StaticDevice, RecoveryCodesAdmin)]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


@admin.register(PageSection)
class PageSectionAdmin(DraftAdmin):
    """Sections of the home and visit pages: drafted, previewed, published, kept (History)."""

    list_display = ["heading", "page", "published", "draft_state", "ordering"]
    list_editable = ["published", "ordering"]
    list_filter = ["page", "published"]
    fieldsets = [
        (None, {"fields": ["page", "heading", "draft_body", "preview"]}),
        ("Publishing", {"fields": ["publish", "published", "ordering"]}),
    ]

    def preview_url(self, obj: PageSection) -> str:
        return reverse("admin:clinic_pagesection_preview", kwargs={"page": obj.page})

    def get_urls(self) -> list:
        preview = path(
            "preview/<str:page>/",
            self.admin_site.admin_view(views.page_preview),
            name="clinic_pagesection_preview",
        )
        return [preview, *super().get_urls()]


@admin.register(Review)
class ReviewAdmin(VersionAdmin):
    list_display = ["first_name", "race", "rating", "service", "published", "ordering"]
    list_editable = ["published", "ordering"]
    list_filter = ["published", "rating", "service"]
    search_fields = ["first_name", "race", "quote"]


@admin.register(TherapistProfile)
class TherapistProfileAdmin(DraftAdmin):
    """Therapist pages: the profile is a draft until published; every save is kept."""

    list_display = ["therapist", "license_number", "practicing_since", "draft_state"]
    list_select_related = ["therapist"]
    autocomplete_fields = ["photo"]
    search_fields = ["therapist__name", "license_number"]
    fieldsets = [
        (None, {"fields": ["therapist", "license_number", "practicing_since"]}),
        ("Picture", {"fields": ["photo", "portrait", "portrait_alt"]}),
        ("Profile page", {"fields": ["draft_bio", "preview", "publish"]}),
    ]

    def preview_url(self, obj: TherapistProfile) -> str:
        return reverse("admin:clinic_therapistprofile_preview", kwargs={"pk": obj.pk})

    def get_urls(self) -> list:
        preview = path(
            "preview/<int:pk>/",
            self.admin_site.admin_view(views.therapist_preview),
            name="clinic_therapistprofile_preview",
        )
        return [preview, *super().get_urls()]


class PictureForm(forms.ModelForm):
    upload = forms.FileField(
        label="image file",
        help_text=f"A JPEG, PNG or WebP photo, at least {pictures.MIN_WIDTH} pixels wide, up to "
        f"{pictures.MAX_SIDE} pixels on a side and {pictures.MAX_BYTES // 1024 // 1024} MB. "
        "Location and camera details are removed.",
    )

    class Meta:
        model = Picture
        fields = ["upload", "alt"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A saved picture may keep its renditions and change only its alt text.
        self.fields["upload"].required = not self.instance.pk

    def clean_upload(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("upload")
        if upload:
            pictures.check_upload(upload)
        return upload

    def save(self, commit: bool = True) -> Picture:
        picture = super().save(commit=False)
        if upload := self.cleaned_data.get("upload"):
            # Renditions are made once, here; pages only ever read them.
            picture.width, picture.height, picture.renditions = pictures.store_renditions(upload)
        if commit:
            picture.save()
        return picture


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    form = PictureForm
    list_display = ["preview", "alt", "width", "height", "uploaded_at"]
    search_fields = ["alt"]
    readonly_fields = ["body_address"]

    @admin.display(description="address for a page body")
    def body_address(self, obj: Picture) -> str:
        # The editor's image button asks for an address; the body sanitizer keeps only ours.
        return obj.src or "Save the picture first."

    @admin.display(description="picture")
    def preview(self, obj: Picture) -> str:
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', obj.src)
