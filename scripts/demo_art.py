"""Draw the demo clinic's illustrations as SVG into static/img/ (run once; output is committed).

Original flat illustrations in the site's palette: a hero for the home page, one per
service, and a portrait per demo therapist. Run: python scripts/demo_art.py
"""

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "img"
TEAL, TEAL_DARK, ACCENT, SAND, TINT, PAPER = (
    "#0f4c5c", "#0a3641", "#9c3d10", "#f3b562", "#eef4f3", "#fbfaf7",
)  # fmt: skip


def svg(width: int, height: int, title: str, body: str) -> str:
    """Return a standalone SVG document with an accessible title."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img"><title>{title}</title>{body}</svg>\n'
    )


def limb(points: list[tuple[int, int]], color: str, width: int = 16) -> str:
    """Return a round-capped polyline: an arm or a leg."""
    coords = " ".join(f"{x},{y}" for x, y in points)
    return (
        f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="{width}" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )


def runner(x: int, y: int, color: str, skin: str) -> str:
    """Return a runner in mid-stride whose hip is at (x, y)."""
    return "".join([
        limb([(x, y), (x + 34, y + 38), (x + 20, y + 84)], TEAL_DARK),  # back leg
        limb([(x, y), (x - 30, y + 44), (x - 66, y + 58)], TEAL_DARK),  # front leg
        limb([(x, y), (x + 12, y - 62)], color, 26),  # torso
        limb([(x + 10, y - 52), (x - 20, y - 30), (x - 8, y - 6)], skin, 12),
        limb([(x + 12, y - 52), (x + 40, y - 34), (x + 56, y - 52)], skin, 12),
        f'<circle cx="{x + 18}" cy="{y - 84}" r="17" fill="{skin}"/>',
    ])  # fmt: skip


def hero_home() -> str:
    """Return a runner on a tree-lined trail at sunrise."""
    trees = "".join(
        f'<rect x="{x - 4}" y="{y}" width="8" height="40" fill="{TEAL_DARK}"/>'
        f'<circle cx="{x}" cy="{y - 10}" r="{r}" fill="{TEAL}" opacity=".85"/>'
        for x, y, r in [(70, 250, 34), (130, 262, 26), (470, 246, 38), (520, 266, 24)]
    )
    body = f"""<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
<stop offset="0" stop-color="#fde7c8"/><stop offset="1" stop-color="{TINT}"/>
</linearGradient></defs>
<rect width="560" height="420" fill="url(#sky)"/>
<circle cx="400" cy="150" r="62" fill="{SAND}"/>
<path d="M0 300 Q140 230 280 280 T560 260 V420 H0Z" fill="#cfe1dd"/>
{trees}
<path d="M0 350 Q200 300 300 330 T560 320 V420 H0Z" fill="#a9c9c2"/>
<path d="M200 420 Q270 360 330 338 L360 340 Q320 370 300 420Z" fill="{PAPER}" opacity=".8"/>
{runner(290, 250, ACCENT, "#8d5a3b")}"""
    return svg(560, 420, "A runner on a tree-lined trail at sunrise", body)


def table_scene(title: str, figure: str, extra: str = "") -> str:
    """Return a treatment room: a table, a window of morning light and the given figures."""
    body = f"""<rect width="560" height="420" fill="{TINT}"/>
<rect x="360" y="50" width="140" height="150" rx="10" fill="#fff"/>
<path d="M360 200 L500 50 V200Z" fill="#fde7c8"/>
<rect x="60" y="330" width="440" height="14" rx="7" fill="#cbd6d4"/>
<rect x="90" y="250" width="340" height="26" rx="13" fill="{TEAL}"/>
<rect x="110" y="276" width="14" height="56" fill="{TEAL_DARK}"/>
<rect x="396" y="276" width="14" height="56" fill="{TEAL_DARK}"/>
<circle cx="470" cy="300" r="26" fill="#a9c9c2"/>
<rect x="462" y="300" width="16" height="32" fill="{TEAL_DARK}"/>
{figure}{extra}"""
    return svg(560, 420, title, body)


def lying(skin: str) -> str:
    """Return a client lying face down on the table."""
    return (
        f'<rect x="130" y="222" width="270" height="30" rx="15" fill="#fff"/>'
        f'<circle cx="120" cy="232" r="20" fill="{skin}"/>'
    )


def therapist_hands(x: int, color: str, skin: str) -> str:
    """Return a therapist standing behind the table, hands on the client."""
    return "".join([
        limb([(x, 120), (x, 210)], color, 34),
        limb([(x - 6, 140), (x - 40, 200), (x - 60, 218)], skin, 12),
        limb([(x + 6, 140), (x + 28, 196), (x + 8, 220)], skin, 12),
        f'<circle cx="{x}" cy="96" r="20" fill="{skin}"/>',
    ])  # fmt: skip


SERVICES = {
    "sports-massage-for-runners": table_scene(
        "A therapist working on a runner's calves",
        lying("#c68863") + therapist_hands(330, ACCENT, "#8d5a3b"),
        '<path d="M460 120 l16 -30 l16 30z" fill="#9c3d10"/>',
    ),
    "deep-tissue-massage": table_scene(
        "A therapist applying slow, firm pressure to the back",
        lying("#e0b48f") + therapist_hands(210, TEAL_DARK, "#c68863"),
    ),
    "myofascial-release": table_scene(
        "A therapist holding a gentle, sustained stretch of the fascia",
        lying("#8d5a3b") + therapist_hands(270, "#5b7f86", "#e0b48f"),
    ),
    "assisted-stretching": table_scene(
        "A therapist guiding a runner's hamstring stretch",
        '<rect x="160" y="222" width="200" height="30" rx="15" fill="#fff"/>'
        '<circle cx="140" cy="232" r="20" fill="#c68863"/>'
        + limb([(340, 236), (400, 120)], "#fff", 26)
        + therapist_hands(430, ACCENT, "#8d5a3b"),
    ),
}

# (slug, skin, hair, shirt, hair shape)
PORTRAITS = [
    ("maya-brooks", "#8d5a3b", "#2b1d14", ACCENT, "long"),
    ("daniel-okafor", "#5e3a24", "#1a1410", TEAL, "short"),
    ("priya-raman", "#b57a52", "#1f1611", "#5b7f86", "bun"),
    ("tom-hadley", "#e0b48f", "#9a9a9a", TEAL_DARK, "short"),
]
HAIR = {
    "long": '<path d="M58 92 Q60 38 100 36 Q140 38 142 92 L146 140 Q130 120 128 96 Q100 70 72 96 '
    'Q70 120 54 140Z" fill="{c}"/>',
    "short": '<path d="M64 88 Q62 40 100 38 Q138 40 136 88 Q128 62 100 60 Q72 62 64 88Z" '
    'fill="{c}"/>',
    "bun": '<circle cx="100" cy="32" r="16" fill="{c}"/>'
    '<path d="M64 90 Q62 44 100 42 Q138 44 136 90 Q126 64 100 62 Q74 64 64 90Z" fill="{c}"/>',
}


def portrait(name: str, skin: str, hair: str, shirt: str, shape: str) -> str:
    """Return a head-and-shoulders portrait in a circle."""
    body = f"""<circle cx="100" cy="100" r="100" fill="{TINT}"/>
<clipPath id="c"><circle cx="100" cy="100" r="100"/></clipPath><g clip-path="url(#c)">
<path d="M30 210 Q34 150 100 146 Q166 150 170 210Z" fill="{shirt}"/>
<rect x="88" y="118" width="24" height="32" fill="{skin}"/>
<ellipse cx="100" cy="90" rx="36" ry="42" fill="{skin}"/>
{HAIR[shape].format(c=hair)}</g>"""
    return svg(200, 200, f"Illustrated portrait of {name}", body)


def main() -> None:
    (OUT / "services").mkdir(parents=True, exist_ok=True)
    (OUT / "therapists").mkdir(parents=True, exist_ok=True)
    (OUT / "hero-home.svg").write_text(hero_home())
    for slug, drawing in SERVICES.items():
        (OUT / "services" / f"{slug}.svg").write_text(drawing)
    for slug, skin, hair, shirt, shape in PORTRAITS:
        name = slug.replace("-", " ").title()
        (OUT / "therapists" / f"{slug}.svg").write_text(portrait(name, skin, hair, shirt, shape))


if __name__ == "__main__":
    main()
