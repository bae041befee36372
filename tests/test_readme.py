"""The README's table of URLs and roles matches the URLconf and the enforced access rules."""

import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from tests.bookings.staff.test_access import ACCESS, DESK

README = Path(__file__).resolve().parent.parent / "README.md"
PUBLIC_WORDS = ("everyone", "holder of", "the browser that booked", "any signed-in account")


def readme_table() -> dict[str, str]:
    """Return {url name: who may use it} from the README's marked table."""
    text = README.read_text()
    table = text.split("<!-- url-table -->")[1].split("<!-- /url-table -->")[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (.+?) \|$", table, re.M)
    return {name: who for _url, name, who in rows}


def project_url_names() -> set[str]:
    """Return every named URL of the project ("ns:name"), the admin as one entry."""
    names: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin")
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def roles_in_words(rule: set[str] | str) -> str:
    """Return how the README words an access rule of the staff tests."""
    if rule == "public":
        return "everyone"
    if rule == "token":
        return "holder of the feed link"
    words = ["front desk"] if rule >= DESK else []
    if "therapist" in rule:
        words.append("therapist")
    return ", ".join(words)


def test_readme_lists_every_url_of_the_project_and_nothing_else():
    assert set(readme_table()) == project_url_names()


def test_readme_states_the_roles_the_staff_tests_enforce():
    table = readme_table()

    for name, rule in ACCESS.items():
        stated = re.sub(r"\s*\(.*\)$", "", table[f"staff:{name}"])
        assert stated == roles_in_words(rule), name


def test_public_urls_are_not_described_as_staff_only():
    for name, who in readme_table().items():
        if not name.startswith(("staff:", "admin")):
            assert who.startswith(PUBLIC_WORDS), name
