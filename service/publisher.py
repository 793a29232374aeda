"""Who publishes the catalogue: the publisher and the contact point, from one settings file
(publisher.toml at the top level, or the file INTEGRATION_KG_PUBLISHER_FILE names) that a publisher fills
in. A public build refuses placeholder values; a local build says in one line that it uses them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .settings import DEFAULT_BASE_IRI, Settings

ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
ADMS_TYPES = frozenset(
    {
        "Academia-ScientificOrganisation",
        "Company",
        "IndustryConsortium",
        "LocalAuthority",
        "NationalAuthority",
        "NonGovernmentalOrganisation",
        "NonProfitOrganisation",
        "PrivateIndividual(s)",
        "RegionalAuthority",
        "StandardisationBody",
        "SupraNationalAuthority",
    }
)
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
RESERVED_SUFFIXES = (".example", ".invalid", ".test", ".localhost")


class PublisherError(ValueError):
    """The publisher file is missing, does not parse, or lacks a value (the message names which)."""


@dataclass(frozen=True)
class Publisher:
    """The publisher and its contact point, as the catalogue publishes them."""

    iri: str
    name_sv: str
    name_en: str
    type: str  # the full ADMS publisher type IRI
    homepage: str
    contact_name_sv: str
    contact_name_en: str
    email: str
    source: Path

    def placeholders(self) -> list[str]:
        """What still is a placeholder, each as `field value` (empty when the file is filled in)."""
        found = []
        for name, value in (
            ("publisher.name_sv", self.name_sv),
            ("publisher.name_en", self.name_en),
            ("contact.name_sv", self.contact_name_sv),
            ("contact.name_en", self.contact_name_en),
        ):
            if not value.strip():
                found.append(f"{name} is empty")
        if _reserved(urlsplit(self.homepage).hostname or ""):
            found.append(f"publisher.homepage {self.homepage}")
        if _reserved(self.email.rpartition("@")[2]):
            found.append(f"contact.email {self.email}")
        return found


def _reserved(host: str) -> bool:
    host = host.lower().rstrip(".")
    return (
        not host
        or host in ("localhost", "example")
        or any(host == d or host.endswith("." + d) for d in RESERVED_DOMAINS)
        or host.endswith(RESERVED_SUFFIXES)
    )


def read_publisher(settings: Settings) -> Publisher:
    """The publisher file, checked for form (every value present, the type an ADMS publisher type, the
    e-mail an address, the homepage an http(s) URL); placeholders are reported by `placeholders()`."""
    path = settings.publisher_file
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PublisherError(f"{path}: cannot be read ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise PublisherError(f"{path}: not TOML: {error}") from None

    def text(section: str, key: str) -> str:
        value = raw.get(section, {}).get(key)
        if not isinstance(value, str):
            raise PublisherError(f"{path}: [{section}] {key} is missing (a text)")
        return value.strip()

    kind = text("publisher", "type").removeprefix(ADMS_PUBLISHER_TYPE)
    if kind not in ADMS_TYPES:
        raise PublisherError(
            f"{path}: [publisher] type {kind!r} is not an ADMS publisher type: use one of {', '.join(sorted(ADMS_TYPES))}"
        )
    email = text("contact", "email").removeprefix("mailto:")
    if "@" not in email or " " in email:
        raise PublisherError(f"{path}: [contact] email {email!r} is not an e-mail address")
    homepage = text("publisher", "homepage")
    if urlsplit(homepage).scheme not in ("http", "https"):
        raise PublisherError(f"{path}: [publisher] homepage {homepage!r} is not an http(s) address")
    iri = text("publisher", "iri")
    if settings.base_iri != DEFAULT_BASE_IRI and iri.startswith(DEFAULT_BASE_IRI):
        iri = settings.base_iri + iri[len(DEFAULT_BASE_IRI) :]
    if urlsplit(iri).scheme not in ("http", "https"):
        raise PublisherError(f"{path}: [publisher] iri {iri!r} is not an http(s) IRI")
    return Publisher(
        iri=iri,
        name_sv=text("publisher", "name_sv"),
        name_en=text("publisher", "name_en"),
        type=ADMS_PUBLISHER_TYPE + kind,
        homepage=homepage,
        contact_name_sv=text("contact", "name_sv"),
        contact_name_en=text("contact", "name_en"),
        email=email,
        source=path,
    )


def placeholder_line(publisher: Publisher) -> str | None:
    """One line naming the placeholder values, or None when there are none."""
    found = publisher.placeholders()
    if not found:
        return None
    return f"{publisher.source.name} holds placeholder values ({'; '.join(found)})"
