"""Lighthouse (mobile) on every public page: four scores, LCP, CLS and bytes per page.

Needs Node and the pinned Lighthouse from package.json (``make lighthouse-tools`` runs
``npm ci``), Debian's Chromium at /usr/bin/chromium and a migrated database with the demo
clinic loaded. Run from the project root:

    DATABASE_URL=postgresql:///clinic .venv/bin/python bench/lighthouse.py [PATH...]

(paths audit only those pages, e.g. to repeat one a busy machine slowed down).

It serves the site with gunicorn as production does (``load.serve``) and prints
one JSON line per page, then the worst of each figure. Goals: performance >= 95,
accessibility, best practices and SEO 100, at most 300 KiB per page.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, serve, stop

PAGES = [
    "/",
    "/services/",
    "/services/sports-massage-for-runners/",
    "/services/deep-tissue-massage/",
    "/services/myofascial-release/",
    "/services/assisted-stretching/",
    "/therapists/",
    "/therapists/maya-brooks/",
    "/visit/",
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def audit(url: str) -> dict:
    """Return the figures of one mobile Lighthouse run on `url`."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [str(ROOT / "node_modules/.bin/lighthouse"), url, "--quiet", "--output=json",
             f"--output-path={report.name}", "--form-factor=mobile",
             "--chrome-flags=--headless=new --no-sandbox"],
            check=True, env=os.environ | {"CHROME_PATH": "/usr/bin/chromium"},
        )  # fmt: skip
        data = json.loads(Path(report.name).read_text())
    audits = data["audits"]
    return {
        **{name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES},
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "kib": round(audits["total-byte-weight"]["numericValue"] / 1024, 1),
    }


def main() -> None:
    url = os.environ.get("DATABASE_URL", "postgresql:///clinic")
    log = Path(tempfile.mkstemp(prefix="bench-lighthouse-", suffix=".log")[1])
    process, base = serve(url, log, WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    rows = []
    try:
        for path in sys.argv[1:] or PAGES:
            row = {"page": path} | audit(f"{base}{path}")
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        stop(process)
    worst = {name: min(r[name] for r in rows) for name in CATEGORIES}
    worst |= {key: max(r[key] for r in rows) for key in ["lcp_ms", "cls", "kib"]}
    print(json.dumps({"worst": worst}))


if __name__ == "__main__":
    main()
