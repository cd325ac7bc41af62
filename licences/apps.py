"""The licences app's configuration: a Concord app (core.apps.ConcordAppConfig)."""

from typing import Any

from core.apps import ConcordAppConfig


class LicencesConfig(ConcordAppConfig):
    """Software products, the licence agreements councils hold, seats assigned to people and
    devices, installations detected on devices, compliance, renewals and joint licensing."""

    name = "licences"
    verbose_name = "Licences"

    @property
    def nav_entries(self) -> list[Any]:  # type: ignore[override]
        """The licence pages that are not a model's list: the compliance position, renewals
        due (with the true-up forecast) and the joint-licensing report."""
        from core.navigation import NavEntry

        return [
            NavEntry("Compliance", "licences:compliance", "licences", area="licences", order=5),
            NavEntry("Renewals due", "licences:renewals", "licences", area="licences", order=6),
            NavEntry(
                "Joint licensing", "licences:joint_licensing", "licences", area="licences", order=7
            ),
        ]

    def home_needs(self, user: Any) -> list[Any]:
        """Licence agreements whose renewal or end falls due within the reminder window."""
        from licences.views import home_needs

        return home_needs(user)
