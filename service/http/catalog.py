"""Open-data publishing: GET /catalog (DCAT-AP-SE), GET /.well-known/void, GET /dumps/ and /dumps/{file}.

Identifiers are under the base IRI; every URL (downloads, endpoint, landing pages) under the public
address: settings.public_url, or the address the request came to.
"""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from ..catalog import CATALOGS, Addresses
from ..dumps import DUMPS_FOLDER, DUMPS_MANIFEST, read_manifest
from ..formats import HTML, RDF_FORMATS, RdfFormat
from ..render import render_graph
from ..settings import Settings
from ..store import GraphStore, current_store_path
from ..void import void_graph
from .conditional import client_is_current
from .deps import TEMPLATES, get_settings, get_store, page_context, public_root
from .negotiation import negotiated, prefers

router = APIRouter(tags=["open data"])
CACHE_CONTROL = "public, max-age=300"
DUMP_CACHE_CONTROL = "public, max-age=3600, must-revalidate"


def _addresses(request: Request, settings: Settings) -> Addresses:
    """public_root checks the Host the request names before it goes into any published URL."""
    return Addresses(settings.base_iri, public_root(request, settings))


def _store_path(settings: Settings) -> Path:
    path = current_store_path(settings)
    if path is None:
        raise HTTPException(status_code=503, detail="no store has been built yet: run `integration-kg build`")
    return path


def _choose(request: Request, offers: tuple[RdfFormat, ...]) -> RdfFormat:
    """format= first, then Accept (service.http.negotiation); 406 with Vary: Accept listing the offers."""
    return negotiated(request, offers)


def _links(request: Request, settings: Settings, path: str, offers: tuple[RdfFormat, ...]) -> str:
    """RFC 8288 alternates of a document served at `path`, one per format (by `format=`)."""
    root = _addresses(request, settings).public_url
    return ", ".join(
        f'<{root}{path}?format={f.name}>; rel="alternate"; type="{f.media_type}"' for f in offers
    )


def _rdf_response(
    graph: Graph, fmt: RdfFormat, request: Request, settings: Settings, build_id: str, link: str
) -> Response:
    at = _addresses(request, settings)
    body = render_graph(graph, fmt, settings=settings, context_url=at.public_url + "/context.jsonld")
    return Response(
        body,
        media_type=fmt.media_type,
        headers={
            "Vary": "Accept",
            "Cache-Control": CACHE_CONTROL,
            "ETag": f'"{build_id}-{fmt.name}"',
            "Link": link,
        },
    )


@router.get("/catalog", summary="The DCAT-AP-SE catalogue (Turtle, RDF/XML, JSON-LD, N-Triples, HTML)")
def catalog(
    request: Request, settings: Settings = Depends(get_settings), store: GraphStore = Depends(get_store)
) -> Response:
    offers = (*RDF_FORMATS, HTML)  # RDF first: */* (a harvester) gets Turtle, a browser HTML
    fmt = _choose(request, offers)
    link = _links(request, settings, "/catalog", offers)
    at = _addresses(request, settings)
    graph = CATALOGS.get(settings, store, _store_path(settings), at.public_url)
    if fmt is HTML:
        return TEMPLATES.TemplateResponse(
            request,
            "catalog.html",
            page_context(request, settings, **_catalog_page(graph, at)),
            headers={"Vary": "Accept", "Cache-Control": CACHE_CONTROL, "Link": link},
        )
    return _rdf_response(graph, fmt, request, settings, store.info.build_id, link)


@router.get("/.well-known/void", summary="The VoID description with statistics")
def void(
    request: Request, settings: Settings = Depends(get_settings), store: GraphStore = Depends(get_store)
) -> Response:
    offers = (*RDF_FORMATS, HTML)  # RDF first: */* (an RDF client) gets Turtle, a browser HTML
    fmt = _choose(request, offers)
    at = _addresses(request, settings)
    graph = void_graph(store, _store_path(settings), at)
    link = _links(request, settings, "/.well-known/void", offers)
    if fmt is HTML:
        return TEMPLATES.TemplateResponse(
            request,
            "void.html",
            page_context(request, settings, **void_page(graph, settings, at)),
            headers={"Vary": "Accept", "Cache-Control": CACHE_CONTROL, "Link": link},
        )
    return _rdf_response(graph, fmt, request, settings, store.info.build_id, link)


def void_page(graph: Graph, settings: Settings, at: Addresses) -> dict[str, Any]:
    """The VoID description for a person: each dataset, subset and linkset with its statements, the
    statistics first, every IRI that this service or the web can open as a link."""
    void_ns = "http://rdfs.org/ns/void#"
    order = {"Dataset": 0, "Linkset": 2}

    def show(term: object) -> dict[str, Any]:
        if isinstance(term, URIRef):
            iri = str(term)
            href = None
            if iri.startswith(settings.base_iri):
                href = at.public_url + "/" + iri[len(settings.base_iri) :]
            elif iri.startswith(("http://", "https://")):
                href = iri
            return {"text": graph.namespace_manager.normalizeUri(term) if not href else iri, "href": href}
        if isinstance(term, Literal):
            text = str(term)
            if term.datatype == XSD.integer:
                text = f"{int(term):,}".replace(",", " ")
            return {"text": text, "language": term.language}
        return {"text": str(term)}

    sections: list[dict[str, Any]] = []
    for subject in sorted(set(graph.subjects()), key=str):
        kinds = [str(o).removeprefix(void_ns) for o in graph.objects(subject, RDF.type)]
        if not any(k in order for k in kinds):
            continue
        rows: list[dict[str, Any]] = []
        for predicate, value in sorted(
            graph.predicate_objects(subject), key=lambda pv: (str(pv[0]), str(pv[1]))
        ):
            if predicate == RDF.type:
                continue
            shown = show(value)
            if isinstance(value, BNode):
                inner = "; ".join(
                    f"{graph.namespace_manager.normalizeUri(str(p))} {o}"
                    for p, o in graph.predicate_objects(value)
                )
                shown = {"text": inner}
            rows.append(
                {
                    "predicate": graph.namespace_manager.normalizeUri(str(predicate)),
                    "statistic": str(predicate).startswith(void_ns) and isinstance(value, Literal),
                    "value": shown,
                }
            )
        rows.sort(key=lambda r: (not r["statistic"], r["predicate"]))
        subset = (None, URIRef(void_ns + "subset"), subject) in graph
        sections.append(
            {
                "iri": show(subject),
                "kind": "Linkset" if "Linkset" in kinds else ("Subset" if subset else "Dataset"),
                "rows": rows,
                "rank": order.get("Linkset" if "Linkset" in kinds else "Dataset", 1) + (1 if subset else 0),
            }
        )
    sections.sort(key=lambda s: (s["rank"], s["iri"]["text"]))
    return {"title": "VoID", "sections": sections}


@router.get("/dumps", include_in_schema=False)
def dumps_redirect() -> Response:
    return Response(status_code=308, headers={"Location": "/dumps/"})


@router.get("/dumps/", summary="The dump files of the current build: sizes, SHA-256, counts")
def dumps_listing(
    request: Request, settings: Settings = Depends(get_settings), store: GraphStore = Depends(get_store)
) -> Response:
    manifest = read_manifest(_store_path(settings))
    at = _addresses(request, settings)
    files = [
        {"name": name, "url": f"{at.public_url}/dumps/{name}", **figures}
        for name, figures in sorted(manifest.get("files", {}).items())
    ]
    wants_html = prefers(request.headers.get("accept"), "text/html", ["application/json"])
    if wants_html:
        return TEMPLATES.TemplateResponse(
            request,
            "catalog-dumps.html",
            page_context(request, settings, files=files, build_id=store.info.build_id),
            headers={"Vary": "Accept", "Cache-Control": CACHE_CONTROL},
        )
    return JSONResponse(
        {"build": store.info.build_id, "files": files},
        headers={"Vary": "Accept", "Cache-Control": CACHE_CONTROL},
    )


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"], summary="One dump file, as stored (gzip)")
def dump_file(name: str, request: Request, settings: Settings = Depends(get_settings)) -> Response:
    store_path = _store_path(settings)
    manifest = read_manifest(store_path)
    files: dict[str, Any] = manifest.get("files", {})
    if name != DUMPS_MANIFEST and name not in files:
        raise HTTPException(status_code=404, detail=f"no dump named {name!r}; see /dumps/ for the list")
    path = store_path / DUMPS_FOLDER / name
    stat = path.stat()
    if name == DUMPS_MANIFEST:
        etag, media_type = f'"{manifest.get("build_id", "")}-manifest"', "application/json"
    else:
        etag, media_type = f'"{files[name]["sha256"]}"', "application/gzip"
    headers = {
        "ETag": etag,
        "Cache-Control": DUMP_CACHE_CONTROL,
        "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
    }
    if name != DUMPS_MANIFEST:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        headers["Link"] = '</catalog>; rel="describedby"'
    if client_is_current(request, etag):
        return Response(status_code=304, headers=headers)
    # A .gz dump is a file of type application/gzip: no Content-Encoding, so clients keep it compressed.
    return FileResponse(path, media_type=media_type, headers=headers, stat_result=stat)


def _text(graph: Graph, subject: Any, predicate: URIRef, language: str) -> str:
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    chosen = [o for o in values if o.language == language] or values
    return str(chosen[0]) if chosen else ""


def _catalog_page(graph: Graph, at: Addresses) -> dict[str, Any]:
    """What catalog.html shows: the catalogue, each dataset and its distributions."""
    catalog = at.catalog
    datasets = []
    for dataset in sorted(graph.objects(catalog, DCAT.dataset), key=str):
        distributions = []
        for distribution in sorted(graph.objects(dataset, DCAT.distribution), key=str):
            checksum = graph.value(distribution, URIRef("http://spdx.org/rdf/terms#checksum"))
            distributions.append(
                {
                    "title": _text(graph, distribution, DCTERMS.title, "sv"),
                    "title_en": _text(graph, distribution, DCTERMS.title, "en"),
                    "url": str(
                        graph.value(distribution, DCAT.downloadURL)
                        or graph.value(distribution, DCAT.accessURL)
                    ),
                    "media_type": str(graph.value(distribution, DCAT.mediaType) or "").rsplit(
                        "media-types/", 1
                    )[-1],
                    "bytes": graph.value(distribution, DCAT.byteSize),
                    "sha256": str(
                        graph.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue")) or ""
                    )
                    if checksum
                    else "",
                }
            )
        period = graph.value(dataset, DCTERMS.temporal)
        datasets.append(
            {
                "iri": str(dataset),
                "title": _text(graph, dataset, DCTERMS.title, "sv"),
                "title_en": _text(graph, dataset, DCTERMS.title, "en"),
                "description": _text(graph, dataset, DCTERMS.description, "sv"),
                "description_en": _text(graph, dataset, DCTERMS.description, "en"),
                "landing": str(graph.value(dataset, DCAT.landingPage) or ""),
                "modified": str(graph.value(dataset, DCTERMS.modified) or ""),
                "temporal": (
                    f"{graph.value(period, DCAT.startDate)} – {graph.value(period, DCAT.endDate)}"
                    if period
                    else ""
                ),
                "distributions": distributions,
            }
        )
    service = at.service
    return {
        "title": _text(graph, catalog, DCTERMS.title, "sv"),
        "title_en": _text(graph, catalog, DCTERMS.title, "en"),
        "description": _text(graph, catalog, DCTERMS.description, "sv"),
        "description_en": _text(graph, catalog, DCTERMS.description, "en"),
        "datasets": datasets,
        "service": {
            "title": _text(graph, service, DCTERMS.title, "sv"),
            "endpoint": str(graph.value(service, DCAT.endpointURL) or ""),
        },
        "has_service": (service, RDF.type, DCAT.DataService) in graph,
        "formats": [f.name for f in RDF_FORMATS],
    }
