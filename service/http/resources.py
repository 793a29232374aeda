"""Linked Data: GET / (home), /id/… (every IRI under the base), /ontology, /shapes, /context.jsonld.

Each resource answers in HTML, Turtle, JSON-LD, N-Triples or RDF/XML, by Accept or by suffix
(.html .ttl .jsonld .nt .rdf), with `Vary: Accept`, an ETag from the build and 304 on a repeat. What links
to a resource comes a page at a time (`?page=N`, INTEGRATION_KG_LINKS_PER_PAGE linking resources a page),
with RFC 8288 Link headers and, in RDF, hydra:first/previous/next/last to the other pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from ..catalog import CATALOGS, Addresses, published_description, schema_org_dataset
from ..describe import (
    Description,
    Labeller,
    Value,
    describe,
    graph_counts,
    ontology_in_store,
    ontology_sections,
    resource_view,
    shapes_view,
)
from ..formats import HTML, JSON_LD, PAGE_FORMATS, QUAD_FORMATS, RdfFormat
from ..per_store import per_store
from ..queries import load_query
from ..rdfterms import to_oxigraph, to_rdflib
from ..render import context_text, prefixes, render_graph, render_quads, render_triples
from ..settings import Settings
from ..store import GraphStore, current_store_path
from ..validation import shapes_graph
from ..void import void_graph
from .conditional import client_is_current, entity_tag, last_modified, validated_response
from .deps import (
    TEMPLATES,
    UI_TEXT,
    context_url,
    get_settings,
    get_store,
    local_link,
    page_context,
    page_language,
    public_root,
)
from .negotiation import acceptable_format, format_values, negotiated
from .sized_cache import PageCache, PageKey, RenderedPage

router = APIRouter()
ID_FORMATS: tuple[RdfFormat, ...] = (*PAGE_FORMATS, *QUAD_FORMATS)
"""An /id/ resource's statements come from the named graphs of the data files: N-Quads and TriG say which."""
FORMAT_LABELS = {
    "html": "HTML",
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "ntriples": "N-Triples",
    "rdfxml": "RDF/XML",
    "nquads": "N-Quads",
    "trig": "TriG",
}
VARY = "Accept, Accept-Language"


def choose_representation(
    request: Request, suffix_format: RdfFormat | None, offers: tuple[RdfFormat, ...] = PAGE_FORMATS
) -> RdfFormat:
    """The suffix wins, then `format=`, then Accept (service.http.negotiation); 406 with Vary and the list
    of what is available when nothing acceptable can be produced."""
    if suffix_format is not None:
        return suffix_format
    return negotiated(request, offers, vary=VARY)


def alternates(href: str, formats: tuple[RdfFormat, ...] = PAGE_FORMATS) -> str:
    """RFC 8288 links to every representation of a resource, by suffix: `<…>; rel="alternate"; type="…"`."""
    return ", ".join(f'<{href}{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in formats)


def split_suffix(path: str, formats: tuple[RdfFormat, ...] = PAGE_FORMATS) -> tuple[str, RdfFormat | None]:
    for fmt in formats:
        if path.endswith(fmt.suffix) and len(path) > len(fmt.suffix):
            return path[: -len(fmt.suffix)], fmt
    return path, None


def format_links(href: str, formats: tuple[RdfFormat, ...] = PAGE_FORMATS) -> list[dict[str, str]]:
    return [
        {"href": href + f.suffix, "media_type": f.media_type, "label": FORMAT_LABELS[f.name]} for f in formats
    ]


# ------------------------------------------------------------------------------------------------
# /id/…
# ------------------------------------------------------------------------------------------------


@router.api_route(
    "/id/{path:path}",
    methods=["GET", "HEAD"],
    summary="A resource of the graph, by Accept or suffix",
    response_class=Response,
)
def resource(
    path: str,
    request: Request,
    settings: Settings = Depends(get_settings),
    store: GraphStore = Depends(get_store),
) -> Response:
    """One page of a resource (`?page=N`, 1 by default): its whole description, and a page of what links to it.
    IRIs the service publishes outside the graph (catalogue, datasets, distributions, the data service,
    VoID subsets and linksets) answer from the catalogue and VoID, with the same negotiation.

    A page this build has rendered already never gets here: service/http/cached_pages.py answers it from the
    build's page cache (`cached_answer`). This renders the others, in FastAPI's worker threads."""
    return resource_answer(request, path, settings, store, page_cache(store, settings))


@per_store(maxsize=1)
def _pages_of_build(store: GraphStore, max_bytes: int) -> PageCache:
    return PageCache(max_bytes)


def page_cache(store: GraphStore, settings: Settings) -> PageCache:
    """The rendered pages of this store's build (INTEGRATION_KG_PAGE_CACHE_BYTES): made with the build's
    first page and freed with its store (service/per_store.py), so a new build starts empty."""
    return _pages_of_build(store, settings.page_cache_bytes)


def cached_answer(
    request: Request, path: str, settings: Settings, store: GraphStore, pages: PageCache
) -> Response | None:
    """The answer to GET/HEAD /id/{path} when its page is already in `pages`, else None. It never queries
    and never raises, so the event loop may run it (service/http/cached_pages.py): what it cannot read (a
    bad page number, nothing acceptable) is `resource_answer`'s to word."""
    stem, suffix_format = split_suffix(path, ID_FORMATS)
    page = page_number(request.query_params.get("page"))
    fmt = suffix_format or acceptable_format(
        ID_FORMATS, request.headers.get("accept"), format_values(*request.query_params.getlist("format"))
    )
    if not stem or page is None or fmt is None:
        return None
    key = _page_key(request, settings, store, settings.base_iri + "id/" + stem, fmt, page)
    rendered = pages.get(key)
    if rendered is None:
        return None
    return _answer(request, store, key, stem, suffix_format, fmt, lambda: rendered)


def resource_answer(
    request: Request, path: str, settings: Settings, store: GraphStore, pages: PageCache
) -> Response:
    """The answer to GET/HEAD /id/{path}, rendered (and kept in `pages`) when this build has not rendered it
    yet: 400 for a bad page number, 404 for no such resource or page, 406 for no acceptable format. It
    queries the store: call it in a worker thread, never on the event loop."""
    page = requested_page(request)
    found = _known_resource(path, settings, store)
    if isinstance(found, str):
        published = published_page(request, path, settings, store)
        if published is not None:
            return published
        raise HTTPException(404, found)
    iri, stem, suffix_format = found
    description = describe(store, iri, page=page, per_page=settings.links_per_page)
    if description is None:
        first = describe(store, iri, page=1, per_page=settings.links_per_page)
        pages_of_links = first.pages if first is not None else 1
        raise HTTPException(
            404,
            f"{iri} has no page {page}: what links to it fills {pages_of_links} "
            f"page{'s' if pages_of_links > 1 else ''}",
        )
    fmt = choose_representation(request, suffix_format, ID_FORMATS)
    key = _page_key(request, settings, store, iri, fmt, page)
    return _answer(
        request,
        store,
        key,
        stem,
        suffix_format,
        fmt,
        lambda: pages.get_or_render(
            key, lambda: _render(store, settings, description, key, stem, suffix_format)
        ),
    )


def page_number(raw: str | None) -> int | None:
    """The `page` query parameter as a number (1 when absent), or None when it is not a positive integer."""
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        return None
    return int(raw)


def requested_page(request: Request) -> int:
    """The `page` query parameter as a number (1 when absent); 400 for anything but a positive integer."""
    raw = request.query_params.get("page")
    page = page_number(raw)
    if page is None:
        raise HTTPException(400, f"page={raw!r} is not a page number: use page=1, page=2, …")
    return page


def _known_resource(
    path: str, settings: Settings, store: GraphStore
) -> tuple[str, str, RdfFormat | None] | str:
    """The IRI a path names, the path without its format suffix, and that suffix; else why the graph has no
    such resource (a 404's message). A suffix is taken as one only when the IRI without it is known
    (`…/plan.ttl` may be a name)."""
    stem, suffix_format = split_suffix(path, ID_FORMATS)
    try:
        ox.NamedNode(settings.base_iri + "id/" + path)
    except ValueError as error:
        return f"not an IRI of this graph ({error}): {settings.base_iri + 'id/' + stem!r}"
    if stem and _first_page(store, settings, settings.base_iri + "id/" + stem) is not None:
        return settings.base_iri + "id/" + stem, stem, suffix_format
    if (
        suffix_format is not None
        and _first_page(store, settings, settings.base_iri + "id/" + path) is not None
    ):
        return settings.base_iri + "id/" + path, path, None
    return f"the graph has no resource {settings.base_iri + 'id/' + (stem or path)}"


def _first_page(store: GraphStore, settings: Settings, iri: str) -> Description | None:
    return describe(store, iri, page=1, per_page=settings.links_per_page)


def _page_key(
    request: Request, settings: Settings, store: GraphStore, iri: str, fmt: RdfFormat, page: int
) -> PageKey:
    language = page_language(request) if fmt is HTML else ""
    return PageKey(
        store.info.build_id,
        settings.base_iri,
        iri,
        fmt.name,
        language,
        public_root(request, settings),
        page,
        settings.links_per_page,
    )


def _answer(
    request: Request,
    store: GraphStore,
    key: PageKey,
    stem: str,
    suffix_format: RdfFormat | None,
    fmt: RdfFormat,
    rendered: Callable[[], RenderedPage],
) -> Response:
    """The response for one representation: 304 when the client's copy is current, else the page with validators."""
    etag = entity_tag(key.build_id, key.iri, f"{key.page}/{key.per_page}", key.format, key.language, key.root)
    headers = {} if suffix_format else {"Content-Location": page_url(key.root, stem, fmt.suffix, key.page)}
    if client_is_current(request, etag):
        return validated_response(request, b"", fmt.media_type, etag=etag, vary=VARY, extra_headers=headers)
    page = rendered()
    headers["Link"] = ", ".join(
        [
            *(
                f'<{page_url(key.root, stem, f.suffix, key.page)}>; rel="alternate"; type="{f.media_type}"'
                for f in ID_FORMATS
            ),
            *([page.link] if page.link else []),
        ]
    )
    return validated_response(
        request,
        page.body,
        fmt.media_type,
        etag=etag,
        vary=VARY,
        modified=last_modified(store),
        extra_headers=headers,
    )


def page_url(root: str, stem: str, suffix: str, page: int) -> str:
    """Where page `page` of a resource is served (page 1: the resource's own address)."""
    return f"{root}/id/{stem}{suffix}" + (f"?page={page}" if page > 1 else "")


@dataclass(frozen=True)
class Pager:
    """The pages of what links to a resource, as addresses: for the Link header, the RDF and the HTML page."""

    page: int
    pages: int
    first_shown: int
    last_shown: int
    linking: int
    citations_received: int
    url: Callable[[int], str]

    @classmethod
    def of(cls, description: Description, url: Callable[[int], str]) -> Pager:
        return cls(
            description.page,
            description.pages,
            description.first_shown,
            description.last_shown,
            description.linking,
            description.citations_received,
            url,
        )

    def relations(self) -> list[tuple[str, str]]:
        """(relation, address) for RFC 8288 links: first, prev, next, last; none when there is one page."""
        if self.pages == 1:
            return []
        links = [("first", self.url(1))]
        if self.page > 1:
            links.append(("prev", self.url(self.page - 1)))
        if self.page < self.pages:
            links.append(("next", self.url(self.page + 1)))
        links.append(("last", self.url(self.pages)))
        return links

    def link_header(self) -> str:
        return ", ".join(f'<{address}>; rel="{relation}"' for relation, address in self.relations())


HYDRA = "http://www.w3.org/ns/hydra/core#"
HYDRA_LINKS = {
    "first": ox.NamedNode(HYDRA + "first"),
    "prev": ox.NamedNode(HYDRA + "previous"),
    "next": ox.NamedNode(HYDRA + "next"),
    "last": ox.NamedNode(HYDRA + "last"),
}
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def paging_statements(pager: Pager) -> list[ox.Triple]:
    """What an RDF page says about itself when the links to its resource fill more than one page: that it is
    a partial view (hydra:PartialCollectionView) and where the other pages are (hydra:first, previous, next,
    last). A program reading only the body then knows there is more, and where."""
    if pager.pages == 1:
        return []
    this_page = ox.NamedNode(pager.url(pager.page))
    return [
        ox.Triple(this_page, _RDF_TYPE, ox.NamedNode(HYDRA + "PartialCollectionView")),
        *(
            ox.Triple(this_page, HYDRA_LINKS[relation], ox.NamedNode(address))
            for relation, address in pager.relations()
        ),
    ]


def _render(
    store: GraphStore,
    settings: Settings,
    description: Description,
    key: PageKey,
    stem: str,
    suffix_format: RdfFormat | None,
) -> RenderedPage:
    """One representation of one page of a resource (rendered once per build: the build's page cache keeps it). The page links keep the representation a suffix asked for."""
    iri, language, root = key.iri, key.language, key.root
    pager = Pager.of(
        description, lambda n: page_url(root, stem, suffix_format.suffix if suffix_format else "", n)
    )
    ctx_url = root + "/context.jsonld"
    fmt = next(f for f in ID_FORMATS if f.name == key.format)
    triples = [*description.triples, *paging_statements(pager)]
    if fmt in QUAD_FORMATS:
        quads = named_graph_quads(store, triples)
        return RenderedPage(render_quads(quads, fmt, settings=settings), pager.link_header())
    if fmt is not HTML:
        return RenderedPage(
            render_triples(triples, fmt, settings=settings, context_url=ctx_url), pager.link_header()
        )
    link = lambda target: local_link(target, base_iri=settings.base_iri, root=root)  # noqa: E731
    view = resource_view(
        description.graph,
        iri,
        base_iri=settings.base_iri,
        language=language,
        link=link,
        terms=ontology_in_store(store),
    )
    json_ld = render_triples(triples, JSON_LD, settings=settings, context_url=ctx_url).decode("utf-8")
    html = TEMPLATES.get_template("resource.html").render(
        root=root,
        lang=language,
        view=view,
        pager=pager,
        formats=format_links(f"{root}/id/{stem}", ID_FORMATS),
        json_ld=json_ld.replace("</", "<\\/"),
    )
    return RenderedPage(html.encode("utf-8"), pager.link_header())


def named_graph_quads(store: GraphStore, triples: list[ox.Triple]) -> list[ox.Quad]:
    """The statements of a page as a dataset shaped like the endpoint's: every statement in the default
    graph (there the union of the named graphs, so a client that reads only the default graph, as
    Comunica does, sees them all), and again in every named graph (data file) that states it. A
    statement about a blank node goes where the statement that leads to the blank node is; the page's
    own paging statements are in the default graph only."""
    subjects = sorted({t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)})
    graphs: dict[tuple[str, str, str], set[str]] = {}
    for start in range(0, len(subjects), 200):
        values = " ".join(f"<{iri}>" for iri in subjects[start : start + 200])
        for row in store.select(
            f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        ):
            o = row["o"]
            key = (str(row["s"]), str(row["p"]), "" if isinstance(o, BNode) else o.n3())
            graphs.setdefault(key, set()).add(str(row["g"]))

    def key_of(subject: ox.NamedNode, triple: ox.Triple) -> tuple[str, str, str]:
        o = triple.object
        if isinstance(o, ox.Triple):
            return (subject.value, triple.predicate.value, str(o))  # RDF 1.2: in no named graph of ours
        return (
            subject.value,
            triple.predicate.value,
            "" if isinstance(o, ox.BlankNode) else to_rdflib(o).n3(),
        )

    by_blank: dict[ox.BlankNode, set[str]] = {}
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode) and isinstance(triple.object, ox.BlankNode):
            by_blank.setdefault(triple.object, set()).update(
                graphs.get(key_of(triple.subject, triple), set())
            )
    quads = []
    for triple in triples:
        names: set[str] = set()
        if isinstance(triple.subject, ox.NamedNode):
            names = graphs.get(key_of(triple.subject, triple), set())
        elif isinstance(triple.subject, ox.BlankNode):
            names = by_blank.get(triple.subject, set())
        quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
        for name in sorted(names):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(name)))
    return quads


# ------------------------------------------------------------------------------------------------
# IRIs published outside the graph: catalogue, VoID, named graphs, ontology versions
# ------------------------------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID_NS = "http://rdfs.org/ns/void#"


def published_page(request: Request, path: str, settings: Settings, store: GraphStore) -> Response | None:
    """The answer for /id/{path} when the IRI is one the service publishes in its catalogue or its VoID
    description rather than in the graph ({base}id/catalog, id/dataset/…, …/distribution/…,
    id/service/sparql, …/void/…), or None when neither mentions it."""
    store_path = current_store_path(settings)
    if store_path is None:
        return None
    root = public_root(request, settings)
    at = Addresses(settings.base_iri, root)
    catalog = CATALOGS.get(settings, store, store_path, root)
    void = void_graph(store, store_path, at)
    stem, suffix_format = split_suffix(path)
    candidates = [(stem, suffix_format), (path, None)] if suffix_format else [(path, None)]
    for name, fmt_suffix in candidates:
        iri = URIRef(settings.base_iri + "id/" + name)
        graph = catalog if iri == at.catalog else published_description(iri, catalog, void)
        if len(graph):
            return _graph_page(request, settings, store, str(iri), f"{root}/id/{name}", graph, fmt_suffix)
    return None


def _graph_page(
    request: Request,
    settings: Settings,
    store: GraphStore,
    iri: str,
    href: str,
    graph: Graph,
    suffix_format: RdfFormat | None,
    *,
    quads: list[ox.Quad] | None = None,
    html_graph: Graph | None = None,
) -> Response:
    """One resource whose description is a graph in hand: negotiated like /id/ pages (suffix, format=,
    Accept), with Link alternates; N-Quads and TriG too when `quads` say which named graph each
    statement comes from."""
    offers = (*PAGE_FORMATS, *QUAD_FORMATS) if quads is not None else PAGE_FORMATS
    fmt = choose_representation(request, suffix_format, offers)
    root = public_root(request, settings)
    language = page_language(request) if fmt is HTML else ""
    etag = entity_tag(store.info.build_id, "published", iri, fmt.name, language, root)
    headers = {"Link": alternates(href, offers)}
    if suffix_format is None:
        headers["Content-Location"] = href + fmt.suffix
    if client_is_current(request, etag):
        return validated_response(request, b"", fmt.media_type, etag=etag, vary=VARY, extra_headers=headers)
    ctx_url = root + "/context.jsonld"
    if fmt in QUAD_FORMATS:
        body = render_quads(quads or [], fmt, settings=settings)
    elif fmt is not HTML:
        body = render_graph(graph, fmt, settings=settings, context_url=ctx_url)
    else:
        shown = html_graph if html_graph is not None else graph
        link = lambda target: local_link(target, base_iri=settings.base_iri, root=root)  # noqa: E731
        view = resource_view(
            shown,
            iri,
            base_iri=settings.base_iri,
            language=language,
            link=link,
            terms=ontology_in_store(store),
        )
        linking = len(set(shown.subjects(None, URIRef(iri))))
        pager = Pager(1, 1, min(1, linking), linking, linking, 0, lambda n: href)
        json_ld = render_graph(shown, JSON_LD, settings=settings, context_url=ctx_url).decode("utf-8")
        body = (
            TEMPLATES.get_template("resource.html")
            .render(
                root=root,
                lang=language,
                view=view,
                pager=pager,
                formats=format_links(href, offers),
                json_ld=json_ld.replace("</", "<\\/"),
            )
            .encode("utf-8")
        )
    return validated_response(
        request,
        body,
        fmt.media_type,
        etag=etag,
        vary=VARY,
        modified=last_modified(store),
        extra_headers=headers,
    )


@router.api_route(
    "/graph/{path:path}",
    methods=["GET", "HEAD"],
    summary="A named graph of the knowledge graph: its statements (by Accept or suffix, N-Quads and TriG too)",
    response_class=Response,
)
def named_graph(
    path: str,
    request: Request,
    settings: Settings = Depends(get_settings),
    store: GraphStore = Depends(get_store),
) -> Response:
    """{base}graph/{name}: the statements of one named graph (a data file); in HTML, what VoID says of it."""
    stem, suffix_format = split_suffix(path, (*PAGE_FORMATS, *QUAD_FORMATS))
    graphs = store.info.graphs
    name = settings.base_iri + "graph/" + stem
    if suffix_format is None or name not in graphs:
        stem, suffix_format, name = path, None, settings.base_iri + "graph/" + path
    if name not in graphs:
        raise HTTPException(404, f"the graph has no named graph {name}")
    node = ox.NamedNode(name)
    contents = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": URIRef(name)})
    # As on /id/: the statements in the default graph (the endpoint's default graph is the union of the
    # named graphs) and again in the named graph.
    quads = [
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph)  # type: ignore[arg-type]
        for s, p, o in contents
        for graph in (ox.DefaultGraph(), node)
    ]
    about = Graph()
    store_path = current_store_path(settings)
    if store_path is not None:
        root = public_root(request, settings)
        about += published_description(
            URIRef(name), void_graph(store, store_path, Addresses(settings.base_iri, root))
        )
    about.add((URIRef(name), RDF.type, URIRef(SD + "Graph")))
    about.add((URIRef(name), URIRef(VOID_NS + "triples"), Literal(len(contents))))
    href = public_root(request, settings) + "/graph/" + stem
    return _graph_page(
        request, settings, store, name, href, contents, suffix_format, quads=quads, html_graph=about
    )


@router.api_route(
    "/ontology/{version}",
    methods=["GET", "HEAD"],
    summary="A version of the ontology (its owl:versionIRI), by Accept or suffix",
    response_class=Response,
)
def ontology_version(
    version: str,
    request: Request,
    settings: Settings = Depends(get_settings),
    store: GraphStore = Depends(get_store),
) -> Response:
    """{base}ontology/{version}: the ontology this build holds, when that is its version IRI."""
    stem, suffix_format = split_suffix(version)
    held = {str(v) for v in ontology_in_store(store).objects(None, OWL.versionIRI)}
    if settings.base_iri + "ontology/" + stem not in held:
        raise HTTPException(
            404,
            f"this service holds the ontology versions {sorted(held)}, not {settings.base_iri}ontology/{stem}",
        )
    return ontology(request, suffix_format.suffix if suffix_format else "", settings, store)


# ------------------------------------------------------------------------------------------------
# Home
# ------------------------------------------------------------------------------------------------

COUNT_KEYS = (
    "frameworks",
    "principles",
    "national goals",
    "sdg goals",
    "sdg targets",
    "municipalities",
    "documents",
    "document parts",
    "citations",
    "alignments",
)


def home_dataset_markup(settings: Settings, store: GraphStore, root: str) -> dict[str, object] | None:
    """schema.org Dataset markup from the current build's catalogue (None before dumps exist)."""
    store_path = current_store_path(settings)
    if store_path is None:
        return None
    catalog = CATALOGS.get(settings, store, store_path, root)
    return schema_org_dataset(settings, catalog, root)


@router.api_route(
    "/",
    methods=["GET", "HEAD"],
    summary="What the graph holds, and where to go from here",
    response_class=Response,
)
def home(
    request: Request, settings: Settings = Depends(get_settings), store: GraphStore = Depends(get_store)
) -> Response:
    language = page_language(request)
    root = public_root(request, settings)
    etag = entity_tag(store.info.build_id, "home", language, root)
    if client_is_current(request, etag):
        return validated_response(request, b"", "text/html", etag=etag, vary="Accept-Language")
    counts = graph_counts(store)
    link = lambda target: local_link(target, base_iri=settings.base_iri, root=root)  # noqa: E731
    listed = store.construct(load_query("describe-home", settings.base_iri))
    labels = Labeller(listed, language, link)
    ikg = settings.ikg

    def members(cls: str) -> list[Value]:
        return sorted(
            (labels.value(s) for s in listed.subjects(RDF.type, URIRef(ikg + cls))), key=lambda v: v.text
        )

    kinds = []
    ontology = ontology_in_store(store)
    kind_labels = Labeller(ontology, language, link)
    for key, count in sorted(counts.items()):
        if key.startswith("kind:"):
            kind = URIRef(key[5:])
            kinds.append({"label": kind_labels.label(kind), "count": count, "href": link(str(kind))})
    ui = UI_TEXT[language]
    html = TEMPLATES.get_template("home.html").render(
        **page_context(request, settings),
        counts=counts,
        kinds=kinds,
        count_labels=[(key, ui["count_" + key.replace(" ", "_")]) for key in COUNT_KEYS],
        frameworks=members("Framework"),
        municipalities=members("Municipality"),
        build_id=store.info.build_id,
        triples=store.info.triples,
        schema_org_dataset=home_dataset_markup(settings, store, root),
    )
    return validated_response(
        request,
        html.encode("utf-8"),
        "text/html",
        etag=etag,
        vary="Accept-Language",
        modified=last_modified(store),
    )


# ------------------------------------------------------------------------------------------------
# /ontology, /shapes, /context.jsonld
# ------------------------------------------------------------------------------------------------


@router.api_route(
    "/ontology",
    methods=["GET", "HEAD"],
    summary="The ontology: documentation or RDF",
    response_class=Response,
)
@router.api_route(
    "/ontology{suffix}", methods=["GET", "HEAD"], include_in_schema=False, response_class=Response
)
def ontology(
    request: Request,
    suffix: str = "",
    settings: Settings = Depends(get_settings),
    store: GraphStore = Depends(get_store),
) -> Response:
    fmt = _suffix_or_negotiate(request, suffix)
    root = public_root(request, settings)
    language = page_language(request) if fmt is HTML else ""
    etag = entity_tag(store.info.build_id, "ontology", fmt.name, language, root)
    if client_is_current(request, etag):
        return validated_response(request, b"", fmt.media_type, etag=etag, vary=VARY)
    body = _ontology_rendered(store, store.info.build_id, settings, fmt.name, language, root)
    return validated_response(
        request, body, fmt.media_type, etag=etag, vary=VARY, modified=last_modified(store)
    )


@per_store(maxsize=32)
def _ontology_rendered(
    store: GraphStore, build_id: str, settings: Settings, fmt_name: str, language: str, root: str
) -> bytes:
    graph = ontology_in_store(store)
    fmt = next(f for f in PAGE_FORMATS if f.name == fmt_name)
    if fmt is not HTML:
        return render_graph(graph, fmt, settings=settings, context_url=root + "/context.jsonld")
    link = lambda target: local_link(target, base_iri=settings.base_iri, root=root)  # noqa: E731
    ui = UI_TEXT[language]
    sections = ontology_sections(
        graph,
        base_iri=settings.base_iri,
        language=language,
        link=link,
        titles={
            k: ui["section_" + k] for k in ("classes", "properties", "datatypes", "individuals", "other")
        },
    )
    head = URIRef(settings.base_iri + "ontology")
    labels = Labeller(graph, language, link)
    title = labels.in_language(graph.objects(head, DCTERMS.title)) or "integration-kg"
    html = TEMPLATES.get_template("ontology.html").render(
        root=root,
        lang=language,
        title=title,
        iri=str(head),
        version=graph.value(head, OWL.versionInfo),
        description=labels.in_language(graph.objects(head, DCTERMS.description)) or "",
        sections=sections,
        formats=format_links(f"{root}/ontology"),
    )
    return html.encode("utf-8")


@router.api_route(
    "/shapes",
    methods=["GET", "HEAD"],
    summary="The SHACL shapes the data is validated with",
    response_class=Response,
)
@router.api_route(
    "/shapes{suffix}", methods=["GET", "HEAD"], include_in_schema=False, response_class=Response
)
def shapes(request: Request, suffix: str = "", settings: Settings = Depends(get_settings)) -> Response:
    fmt = _suffix_or_negotiate(request, suffix)
    path = settings.shapes_dir / "integration.ttl"
    try:
        graph = shapes_graph(settings.shapes_dir)
        stamp = str(path.stat().st_mtime_ns)
    except (OSError, ValueError) as error:
        raise HTTPException(503, f"the shapes cannot be read: {error}") from None
    root = public_root(request, settings)
    language = page_language(request) if fmt is HTML else ""
    etag = entity_tag(stamp, "shapes", fmt.name, language, root)
    if client_is_current(request, etag):
        return validated_response(request, b"", fmt.media_type, etag=etag, vary=VARY)
    if fmt is not HTML:
        body = render_graph(graph, fmt, settings=settings, context_url=context_url(request, settings))
    else:
        names = {ns: name for name, ns in prefixes(settings).items()}

        def short(iri: str) -> str:
            for namespace, name in sorted(names.items(), key=lambda item: -len(item[0])):
                if iri.startswith(namespace):
                    return f"{name}:{iri[len(namespace) :]}"
            return f"<{iri}>"

        body = (
            TEMPLATES.get_template("shapes.html")
            .render(
                **page_context(request, settings),
                shapes=shapes_view(graph, language, short),
                formats=format_links(f"{root}/shapes"),
            )
            .encode("utf-8")
        )
    return validated_response(request, body, fmt.media_type, etag=etag, vary=VARY)


def _suffix_or_negotiate(request: Request, suffix: str) -> RdfFormat:
    if not suffix:
        return choose_representation(request, None)
    fmt = next((f for f in PAGE_FORMATS if f.suffix == suffix), None)
    if fmt is None:
        raise HTTPException(404, f"no such representation {suffix!r}: use .html, .ttl, .jsonld, .nt or .rdf")
    return fmt


@router.api_route(
    "/context.jsonld",
    methods=["GET", "HEAD"],
    summary="The JSON-LD context of every JSON-LD response",
    response_class=Response,
)
def context(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    try:
        text = context_text(settings)
    except OSError as error:
        raise HTTPException(503, f"the JSON-LD context cannot be read: {error}") from None
    body = text.encode("utf-8")
    json.loads(body)
    return validated_response(request, body, "application/ld+json", etag=entity_tag("context", text))
