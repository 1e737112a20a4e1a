"""Organisation types (toolkit views), as the IG Toolkit guidance names them."""

ORGANISATION_TYPES: tuple[str, ...] = (
    "NHS Trust",
    "NHS England",
    "Clinical Commissioning Group",
    "Commissioning Support Unit",
    "GP Practice",
    "Dental Practice",
    "Eye Care Service",
    "Community Pharmacy",
    "Pharmacy Head Office",
    "Dispensing Appliance Contractor",
    "Voluntary Sector",
    "Any Qualified Provider",
    "Local Authority",
    "Hosted Secondary Use Team/Project",
    "Research Organisation",
    "Commercial Third Party",
    "Other",
)

ALIASES: dict[str, str] = {
    "care home": "Voluntary Sector",
    "voluntary sector organisation": "Voluntary Sector",
    "ccg": "Clinical Commissioning Group",
    "csu": "Commissioning Support Unit",
    "gp": "GP Practice",
    "pharmacy": "Community Pharmacy",
    "pharmacy hq": "Pharmacy Head Office",
    "university": "Research Organisation",
    "research": "Research Organisation",
    "secondary use organisation": "Research Organisation",
    "hosted secondary use team": "Hosted Secondary Use Team/Project",
    "la": "Local Authority",
    "commercial": "Commercial Third Party",
}

_BY_LOWER = {name.lower(): name for name in ORGANISATION_TYPES} | ALIASES


def canonical_type(raw: str | None) -> str | None:
    """The register's name for a type, whatever its case or common alias; None if unknown."""
    if not raw:
        return None
    return _BY_LOWER.get(" ".join(raw.split()).lower())
