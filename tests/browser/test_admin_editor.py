"""An admin edits a therapist's profile in the rich-text editor, previews and publishes it,
on admin pages that break no content-security rule and miss no file."""

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.test_staff import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_drafts_previews_and_publishes_a_profile_with_a_clean_console(
    site, demo, laptop: Page, console_errors
):
    failed: list[str] = []

    def record(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    laptop.on("response", record)
    laptop.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation', e.violatedDirective, e.sourceFile))"
    )
    sign_in(laptop, site, "admin", "clinic-admin-demo")

    for path in ["/admin/services/service/", "/admin/clinic/pagesection/"]:
        laptop.goto(site + path)
    laptop.goto(site + "/admin/clinic/therapistprofile/")
    laptop.get_by_role("link", name="Maya Brooks", exact=True).click()
    editor = laptop.get_by_role("group", name="Profile page").get_by_role("textbox")
    expect(editor).to_be_visible()
    expect(laptop.locator(".prose-editor .prose-menubar")).to_be_visible()  # the toolbar
    editor.click()
    laptop.keyboard.press("Control+End")
    laptop.keyboard.press("Enter")
    laptop.keyboard.type("Now also on Sunday mornings.")
    laptop.get_by_role("button", name="Save and continue editing").click()
    expect(laptop.get_by_text("was changed successfully")).to_be_visible()

    laptop.goto(site + "/therapists/maya-brooks/")
    expect(laptop.get_by_text("Now also on Sunday mornings.")).to_have_count(0)
    laptop.go_back()
    laptop.get_by_role("link", name="Preview the saved draft").click()
    expect(laptop.get_by_text("Preview of the draft")).to_be_visible()
    expect(laptop.get_by_text("Now also on Sunday mornings.")).to_be_visible()
    laptop.go_back()
    laptop.get_by_label("publish the draft").check()
    laptop.get_by_role("button", name="Save and continue editing").click()
    expect(laptop.get_by_text("was changed successfully")).to_be_visible()

    laptop.goto(site + "/therapists/maya-brooks/")
    expect(laptop.get_by_text("Now also on Sunday mornings.")).to_be_visible()
    assert console_errors == []  # a CSP violation or a missing file (the favicon too)
    assert failed == []
