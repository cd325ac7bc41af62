"""Generic test families (being split by concern; for now everything is in base)."""

from core.testing.families.base import *  # noqa: F403
from core.testing.families.base import (  # noqa: F401
    _all,
    _DEFINED_FAMILIES,
)
