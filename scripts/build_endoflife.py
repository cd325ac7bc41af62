"""Build assets/data/endoflife.json, the end-of-support dates Concord ships, from the
endoflife.date extract in ../shared/data/endoflife (MIT, endoflife-date/endoflife.date).

Run it by hand when the extract is refreshed; Concord never fetches this data at run time.

    python scripts/build_endoflife.py [path/to/eol_extract_selected_products.json]

Each product keeps its title and, for each release cycle, what the asset register matches and
reports on: the cycle, its label, its release date, the end of support (a date, or true when
support has ended on a date the source does not give, or false when no end is announced) and
the latest build (Windows builds such as 10.0.19045 name their release).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "endoflife" / "eol_extract_selected_products.json"
TARGET = ROOT / "assets" / "data" / "endoflife.json"


def build(source: Path) -> dict[str, object]:
    """The shipped data, from the extract at `source`."""
    extract = json.loads(source.read_text(encoding="utf-8"))
    products: dict[str, object] = {}
    for key, product in sorted(extract.items()):
        releases = []
        for release in product["releases"]:
            releases.append(
                {
                    "cycle": str(release["releaseCycle"]),
                    "label": str(release.get("releaseLabel") or release["releaseCycle"]),
                    "released": release.get("releaseDate"),
                    "eol": release.get("eol", False),
                    "latest": str(release.get("latest") or ""),
                }
            )
        products[key] = {"title": product["title"], "releases": releases}
    return {
        "source": "endoflife.date (github.com/endoflife-date/endoflife.date), products/",
        "licence": "MIT, Copyright 2020 endoflife.date contributors",
        "products": products,
    }


def main(argv: list[str]) -> None:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    data = build(source)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({len(data['products'])} products)")  # type: ignore[arg-type]


if __name__ == "__main__":
    main(sys.argv)
