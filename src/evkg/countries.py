"""Countries as ISO 3166 names them (pycountry): what a person types for a jurisdiction the graph does not
name that way ('United States of America', 'USA', 'England', 'Brazil') to its ISO 3166-1 alpha-2 code."""

from __future__ import annotations


def iso_country(text: str) -> tuple[str, str] | None:
    """(alpha-2 code, English short name) of the country `text` names, or of the country a subdivision it
    names belongs to ('England' -> GB); None if ISO 3166 does not know the name."""
    import pycountry  # only when a name is not the graph's own

    try:
        country = pycountry.countries.lookup(text.strip())
    except LookupError:
        try:
            country = pycountry.countries.get(alpha_2=pycountry.subdivisions.lookup(text.strip()).country_code)
        except LookupError:
            return None
    if country is None:
        return None
    return country.alpha_2, getattr(country, "common_name", None) or country.name
