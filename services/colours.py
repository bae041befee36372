"""Calendar colours of services: a palette for new ones, and text that stays readable on them.

Pure (stdlib only). Contrast follows WCAG 2.x: relative luminance of sRGB colours, and the
ratio (L1 + 0.05) / (L2 + 0.05); AA asks 4.5:1 for normal text.
"""

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DARK_INK = "#1b2226"  # the calendar's text on light colours
LIGHT_INK = "#ffffff"
AA = 4.5

# Light, distinct colours the demo and new services start from (dark text reads on each).
PALETTE = ["#a9d8e0", "#f6c89f", "#c7dfb0", "#d8c4ec", "#f3b7c0", "#f2e29b", "#b8cdf2", "#cfd8d6"]


def luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink_for(colour: str) -> str:
    """Return the text colour (dark or white) that reads best on `colour`."""
    return max((DARK_INK, LIGHT_INK), key=lambda ink: contrast(colour, ink))


def palette_colour(index: int) -> str:
    """Return the palette's colour for the `index`-th service, cycling."""
    return PALETTE[index % len(PALETTE)]


def mix(colour: str, other: str, weight: float) -> str:
    """Return `colour` blended with `other`, `weight` being how much of `colour` stays."""
    channels = [
        round(int(colour[i : i + 2], 16) * weight + int(other[i : i + 2], 16) * (1 - weight))
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in channels)
