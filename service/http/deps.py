"""FastAPI dependencies shared by the routers (the settings, the current store) and the helpers the
linked-data routers share: public links, the page language, the templates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates

from ..settings import Settings
from ..store import GraphStore, StoreUnavailable


async def get_settings(request: Request) -> Settings:
    """The app's settings (async: FastAPI runs a plain function dependency in a worker thread)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> GraphStore:
    """The store of the last good build; 503 when none has been built (or the back end is down). Async, as
    it never blocks: FastAPI would run a plain function in a worker thread, a hop for every request."""
    try:
        store: GraphStore = request.app.state.store.get()
        return store
    except StoreUnavailable as error:
        raise HTTPException(status_code=503, detail=str(error)) from None


# ------------------------------------------------------------------------------------------------
# Shared by the linked-data routers: links, the page language, the templates
# ------------------------------------------------------------------------------------------------

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
TEMPLATES = Jinja2Templates(directory=str(TEMPLATES_DIR))
"""The one template environment of every page; they all extend base.html."""
UI_TEXT: dict[str, dict[str, str]] = json.loads((TEMPLATES_DIR / "ui.json").read_text(encoding="utf-8"))
TEMPLATES.env.globals["ui"] = UI_TEXT
LANGUAGES = ("sv", "en")
_SAFE_ROOT = re.compile(r"^https?://[A-Za-z0-9.\-_~:\[\]%]+(/[A-Za-z0-9.\-_~/%]*)?$")


def public_root(request: Request, settings: Settings) -> str:
    """Where this service is reached, without a trailing slash: the public_url setting or the request's own host."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    root = str(request.base_url).rstrip("/")
    return root if _SAFE_ROOT.match(root) else "http://localhost"


def page_context(request: Request, settings: Settings, **values: object) -> dict[str, object]:
    """What every page's template needs: the request, the public root and the page language."""
    return {
        "request": request,
        "root": public_root(request, settings),
        "lang": page_language(request),
        **values,
    }


def context_url(request: Request, settings: Settings) -> str:
    """The public URL of the JSON-LD context every JSON-LD response names."""
    return public_root(request, settings) + "/context.jsonld"


def local_link(iri: str, *, base_iri: str, root: str) -> str | None:
    """Where a browser follows an IRI: ours to this service's pages, other http(s) IRIs as they are."""
    if iri.startswith(base_iri):
        rest = iri[len(base_iri) :]
        if rest.startswith(("id/", "ontology", "shapes", "catalog", "trace", "sources/")):
            return f"{root}/{rest}"
        return None
    return iri if iri.startswith(("http://", "https://")) else None


def page_language(request: Request) -> str:
    """?lang=sv|en, else the browser's preference among Swedish and English, else Swedish."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    best, best_q = "sv", 0.0
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best
