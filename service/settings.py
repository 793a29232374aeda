"""Settings in one class: options first, then INTEGRATION_KG_* environment variables, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_BASE_IRI = "https://w3id.org/integration-kg/"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "INTEGRATION_KG_"
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


@dataclass(frozen=True)
class Settings:
    """Everything the build, the store and the service can be told.

    Each field maps to the environment variable INTEGRATION_KG_<FIELD NAME IN CAPITALS>.
    """

    base_iri: str = field(default=DEFAULT_BASE_IRI, metadata={"help": "base IRI of every identifier"})
    public_url: str = field(
        default="",
        metadata={"help": "public address the service is reached at; unset: each request's own host"},
    )
    data_dir: Path = field(default=PROJECT_ROOT / "data", metadata={"help": "the graph's source files"})
    ontology_dir: Path = field(default=PROJECT_ROOT / "ontology", metadata={"help": "the OWL ontology"})
    shapes_dir: Path = field(default=PROJECT_ROOT / "shapes", metadata={"help": "the SHACL shapes"})
    publisher_file: Path = field(
        default=PROJECT_ROOT / "publisher.toml",
        metadata={"help": "who publishes the catalogue: publisher and contact point (docs/clients.md)"},
    )
    store_dir: Path = field(
        default=PROJECT_ROOT / "var", metadata={"help": "where builds write the store and dumps"}
    )
    store_backend: str = field(
        default="embedded", metadata={"help": "embedded (pyoxigraph) or remote (a SPARQL 1.1 server)"}
    )
    remote_query_url: str = field(default="", metadata={"help": "remote back end: SPARQL query endpoint"})
    remote_update_url: str = field(default="", metadata={"help": "remote back end: SPARQL update endpoint"})
    remote_gsp_url: str = field(
        default="", metadata={"help": "remote back end: Graph Store Protocol endpoint"}
    )
    remote_user: str = field(default="", metadata={"help": "remote back end: user name"})
    remote_password: str = field(default="", metadata={"help": "remote back end: password"})
    query_timeout: float = field(default=10.0, metadata={"help": "seconds a SPARQL query may run"})
    max_results: int = field(default=10_000, metadata={"help": "rows or triples a query may return"})
    max_body_bytes: int = field(default=1_000_000, metadata={"help": "largest request body accepted"})
    query_workers: int = field(default=2, metadata={"help": "processes that run SPARQL queries"})
    query_memory_triples: int = field(
        default=2_000_000,
        metadata={
            "help": "largest graph (triples) each query process copies into memory, for faster queries: ~450 bytes a triple each (0: never)"
        },
    )
    links_per_page: int = field(
        default=100, metadata={"help": "resources that link to a resource shown on each page of it (?page=N)"}
    )
    page_cache_bytes: int = field(
        default=64 * 1024 * 1024, metadata={"help": "memory for rendered resource pages, per process"}
    )
    query_cache_bytes: int = field(
        default=64 * 1024 * 1024,
        metadata={"help": "memory for SPARQL answers kept per build, per process (0: none)"},
    )
    log_level: str = field(
        default="warning",
        metadata={
            "help": "least severe log record shown: debug, info, warning, error or critical (-v, -q move it)"
        },
    )

    def __post_init__(self) -> None:
        if self.links_per_page < 1:
            raise ValueError(f"INTEGRATION_KG_LINKS_PER_PAGE must be at least 1, not {self.links_per_page}")
        if self.log_level.lower() not in LOG_LEVELS:
            raise ValueError(
                f"INTEGRATION_KG_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}"
            )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, overridden by the environment, overridden by explicit options (None = not given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if not settings.base_iri.endswith(("/", "#")):
            settings = replace(settings, base_iri=settings.base_iri + "/")
        return settings

    def to_environ(self) -> dict[str, str]:
        """These settings as INTEGRATION_KG_* variables: how the server's worker processes get them."""
        return {ENV_PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def describe(cls) -> str:
        """A table of every setting, its variable and default, for --help."""
        lines = []
        for f in fields(cls):
            default = f.default if f.default != "" else "unset"
            lines.append(
                f"  {ENV_PREFIX + f.name.upper():<34} {f.metadata.get('help', '')} (default: {default})"
            )
        return "\n".join(lines)

    @property
    def ikg(self) -> str:
        """The ontology namespace."""
        return self.base_iri + "ontology#"

    @property
    def current_store(self) -> Path:
        """The store the service reads: a link to the last build that passed."""
        return self.store_dir / "current"


def _coerce(type_name: Any, raw: str) -> Any:
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    if name == "Path":
        return Path(raw)
    if name == "int":
        return int(raw)
    if name == "float":
        return float(raw)
    return raw
