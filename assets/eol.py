"""End of support: the shipped endoflife.date data (assets/data/endoflife.json, built by
scripts/build_endoflife.py, MIT) and the matching of what a device reports ("Windows 10
Enterprise", "10.0.19045.4529") to a product's release and the date its support ends.

Never fetched at run time: the file ships with Concord and is read once per process.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "endoflife.json"

#: Stored as `Asset.support_ends` for a release whose support has ended on a date the source
#: does not publish (its ``eol`` is ``true``): it sorts as long past, and pages say "ended,
#: date not published".
ENDED_UNDATED = datetime.date(1970, 1, 1)


@dataclass(frozen=True)
class Release:
    """One release of a product, as the end-of-life data knows it."""

    product: str
    product_title: str
    cycle: str
    label: str
    #: When support ends or ended; None when no end has been announced.
    support_ends: datetime.date | None
    latest: str

    @property
    def name(self) -> str:
        """The release as people know it ("Microsoft Windows 7 SP1")."""
        if self.product_title.split()[-1].lower() in self.label.lower():
            return self.label
        return f"{self.product_title} {self.label}"


@cache
def releases() -> dict[str, dict[str, Release]]:
    """Every product's releases, by product key and cycle."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    products: dict[str, dict[str, Release]] = {}
    for key, product in data["products"].items():
        by_cycle: dict[str, Release] = {}
        for item in product["releases"]:
            by_cycle[item["cycle"]] = Release(
                product=key,
                product_title=product["title"],
                cycle=item["cycle"],
                label=item["label"],
                support_ends=_eol_date(item["eol"]),
                latest=item.get("latest") or "",
            )
        products[key] = by_cycle
    return products


def product_titles() -> dict[str, str]:
    """Each product's title, by key."""
    return {key: next(iter(cycles.values())).product_title for key, cycles in releases().items()}


def release(product: str, cycle: str) -> Release | None:
    """The release `cycle` of `product`, if the data has it."""
    return releases().get(product, {}).get(cycle)


def _eol_date(value: Any) -> datetime.date | None:
    if value is True:
        return ENDED_UNDATED
    if not value:
        return None
    return datetime.date.fromisoformat(str(value))


# Matching ---------------------------------------------------------------------------------

_PRODUCTS: tuple[tuple[str, str], ...] = (
    (r"\bsql\s*server\b", "mssqlserver"),
    (r"\bexchange\b", "msexchange"),
    (r"\bsharepoint\b", "sharepoint"),
    (r"windows\s*server|\bserver\s+(2000|2003|2008|2012|2016|2019|2022|2025)\b", "windows-server"),
    (r"\bwindows\b|\bwin\s?(7|8|10|11)\b", "windows"),
    (r"\bmac\s?os\b|\bos\s?x\b", "macos"),
    (r"\bipados\b|\bios\b|\biphone\b", "ios"),
    (r"\bandroid\b", "android"),
    (r"\bubuntu\b", "ubuntu"),
    (r"\besxi\b|\bvmware\b", "vmware-esxi"),
    (r"\boffice\b", "office"),
)

_BUILD = re.compile(r"\b(\d+\.\d+\.\d+)(?:\.\d+)?\b")
_FEATURE = re.compile(r"\b(\d{2}h\d|1[5-9]0\d|2004)\b")
_SQL_YEARS = {
    "2025": "17.0",
    "2022": "16.0",
    "2019": "15.0",
    "2017": "14.0",
    "2016": "13.0",
    "2014": "12.0",
    "2012": "11.0",
    "2008 r2": "10.50",
    "2008": "10.0",
}


def product_of(os_name: str) -> str | None:
    """The end-of-life product an operating system's name is a release of."""
    text = os_name.lower()
    for pattern, product in _PRODUCTS:
        if re.search(pattern, text):
            return product
    return None


@lru_cache(maxsize=4096)
def match_release(os_name: str, os_version: str = "") -> Release | None:
    """The release an operating system (or server product) is, from its name and version as a
    device or an inventory tool reports them; None when the data does not know it. Remembered
    (the shipped data does not change while the process runs): an import of thousands of
    devices names a few dozen systems."""
    name, version = (os_name or "").strip().lower(), (os_version or "").strip().lower()
    if not name:
        return None
    product = product_of(name)
    if product is None:
        return None
    cycles = releases()[product]
    text = f"{name} {version}"
    if product == "windows":
        cycle = _windows_cycle(name, version, cycles)
    elif product == "windows-server":
        cycle = _server_cycle(text, cycles)
    elif product == "mssqlserver":
        cycle = _sql_cycle(text, cycles)
    elif product in ("msexchange", "sharepoint", "office"):
        year = re.search(r"\b(20\d\d|subscription)\b", text)
        cycle = year.group(1) if year and year.group(1) in cycles else None
    else:
        cycle = _prefix_cycle(version or name, cycles)
    return cycles.get(cycle) if cycle else None


def _prefix_cycle(version: str, cycles: dict[str, Release]) -> str | None:
    """The longest cycle the version starts with (14.4.1 -> 14, 22.04.3 -> 22.04)."""
    found = re.search(r"\d+(?:\.\d+)*", version)
    if not found:
        return None
    parts = found.group(0).split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in cycles:
            return candidate
    return None


def _edition(name: str) -> str:
    return "e" if re.search(r"enterprise|education|\bedu\b|\bent\b", name) else "w"


def _windows_cycle(name: str, version: str, cycles: dict[str, Release]) -> str | None:
    text = f"{name} {version}"
    lts = bool(re.search(r"ltsc|ltsb", text))
    iot = "iot" in text
    edition = _edition(name)
    major_match = re.search(r"windows\s*(11|10|8\.1|8|7|vista|xp)\b|\bwin\s?(11|10|8|7)\b", text)
    major = (major_match.group(1) or major_match.group(2)) if major_match else None
    build = _BUILD.search(version) or _BUILD.search(name)
    if major in (None, "10", "11") and build and build.group(1).startswith("10.0."):
        # A build number names its release exactly (10.0.19045 is Windows 10 22H2).
        prefix = build.group(1)
        matches = [r.cycle for r in cycles.values() if r.latest.startswith(prefix + ".")]
        matches += [r.cycle for r in cycles.values() if r.latest == prefix]
        if matches:
            return _prefer(matches, edition, lts, iot)
        number = int(prefix.split(".")[2])
        major = major or ("11" if number >= 22000 else "10")
    if major == "7":
        return "7-sp1"
    if major in ("8.1", "8"):
        return major
    if major == "vista":
        return "6-sp2"
    if major == "xp":
        return "5-sp3"
    if major in ("10", "11"):
        feature = _FEATURE.search(version) or _FEATURE.search(name)
        if not feature:
            return None
        stem = f"{major}-{feature.group(1)}"
        matches = [c for c in cycles if c == stem or c.startswith(stem + "-")]
        return _prefer(matches, edition, lts, iot) if matches else None
    return None


def _prefer(matches: list[str], edition: str, lts: bool, iot: bool) -> str:
    """Among the cycles of one Windows release, the one for the edition."""

    def score(cycle: str) -> tuple[int, int, int]:
        return (
            int(("-iot" in cycle) == iot),
            int(("-lts" in cycle) == lts),
            int(cycle.endswith(f"-{edition}") or f"-{edition}-" in cycle),
        )

    return max(sorted(matches), key=score)


def _server_cycle(text: str, cycles: dict[str, Release]) -> str | None:
    year = re.search(r"\b(2000|2003|2008|2012|2016|2019|2022|2025)\b", text)
    if year:
        stem = year.group(1)
        if re.search(r"\br2\b", text):
            stem += "-r2"
        matches = [c for c in cycles if c == stem or c.startswith(stem + "-sp")]
        if stem in cycles:
            return stem
        return max(matches, key=lambda c: cycles[c].support_ends or ENDED_UNDATED, default=None)
    build = _BUILD.search(text)
    if build:
        matches = [
            r.cycle
            for r in cycles.values()
            if r.latest == build.group(1) or r.latest.startswith(build.group(1) + ".")
        ]
        if matches:
            return max(matches, key=lambda c: cycles[c].support_ends or ENDED_UNDATED)
    return None


def _sql_cycle(text: str, cycles: dict[str, Release]) -> str | None:
    base = None
    for year, number in _SQL_YEARS.items():
        if re.search(rf"\b{year}\b", text):
            base = number
            break
    if base is None:
        found = re.search(r"\b(\d{1,2})\.(\d{1,2})\b", text)
        if not found:
            return None
        base = f"{found.group(1)}.{found.group(2)}"
    matches = [c for c in cycles if c.split("-")[0] == base]
    # A version's support ends with its last service pack's.
    return max(matches, key=lambda c: cycles[c].support_ends or ENDED_UNDATED, default=None)
