"""The command line: `integration-kg build | serve | validate | query | trace | search | draft`.

No traceback reaches the user unless asked for (`-vv`): a closed pipe (`… | head`) ends the command
quietly, log records are one line each (service/logs.py; `-v`/`-q` show more or fewer), and anything
unexpected is one line naming it. What a command answers, why it could not, and the build's progress
are printed, not logged.

Exit codes: 0 done; 1 the work failed (a build or a file that does not conform, a store that is not
there); 2 bad usage or input (an unknown option, a query that does not parse, a missing file); 130
interrupted.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import GraphStore, QueryResult

from .logs import configure, level_number, server_config
from .settings import Settings

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_PLACEHOLDERS = 3  # `build --public` with placeholder publisher values


def main(argv: Sequence[str] | None = None) -> int:
    parser, subparsers = make_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        subparsers.get(getattr(args, "command", ""), parser).error(
            f"unrecognized arguments: {' '.join(extra)}"
        )
    try:
        settings = Settings.from_env(base_iri=args.base_iri, store_dir=args.store_dir, data_dir=args.data_dir)
    except ValueError as error:
        print(f"integration-kg: {error}", file=sys.stderr)
        return EXIT_USAGE
    configure(log_level(args, settings))
    try:
        code = args.handler(args, settings)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly; the output it did not read is dropped.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 (the last line of defence: one line, never a traceback)
        log.error("internal error (%s): %s", type(error).__name__, error, exc_info=error)
        return EXIT_FAILED


def log_level(args: argparse.Namespace, settings: Settings) -> int:
    """The least severe log record shown: the setting, moved by -v and -q."""
    return level_number(settings.log_level, more=args.verbose, less=args.less)


EXAMPLES = {
    "build": "example:\n  .venv/bin/integration-kg build",
    "serve": "example:\n  .venv/bin/integration-kg serve --port 8000",
    "validate": "example:\n  .venv/bin/integration-kg validate --lang sv data/documents/kalmar-integration.ttl",
    "query": "examples:\n  .venv/bin/integration-kg query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'\n"
    "  .venv/bin/integration-kg query @my-query.rq --format csv",
    "trace": "examples:\n  .venv/bin/integration-kg trace 1\n"
    "  .venv/bin/integration-kg trace se-integration-policy/2008 --format csv\n"
    "  .venv/bin/integration-kg trace --matrix --format csv\n"
    "  .venv/bin/integration-kg trace --drawn-on 1481",
    "search": "examples:\n  .venv/bin/integration-kg search språk\n"
    "  .venv/bin/integration-kg search 'svenska språket' --municipality 1466 --format csv",
    "draft": "example:\n  .venv/bin/integration-kg draft policy.txt --municipality 1481 --out draft.ttl",
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Defaults shown beside each option that has one, descriptions and examples as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            action.default not in (None, False, argparse.SUPPRESS)
            and "%(default)" not in text
            and action.help
        ):
            text += " (default: %(default)s)"
        return text


def make_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="integration-kg",
        description="An open knowledge graph of integration policy, published as Linked Data.",
        epilog="Settings (options first, then these environment variables, then defaults):\n"
        + Settings.describe(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"integration-kg {__version__}")
    parser.add_argument("--base-iri", help="base IRI of every identifier (INTEGRATION_KG_BASE_IRI)")
    parser.add_argument("--store-dir", type=Path, help="where the store is built (INTEGRATION_KG_STORE_DIR)")
    parser.add_argument("--data-dir", type=Path, help="the graph's source files (INTEGRATION_KG_DATA_DIR)")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more log records on standard error: -v info, -vv debug with tracebacks (INTEGRATION_KG_LOG_LEVEL)",
    )
    parser.add_argument(
        "-q",
        dest="less",
        action="count",
        default=0,
        help="fewer log records: -q errors only, -qq critical ones only",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subparsers: dict[str, argparse.ArgumentParser] = {}

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help, description=help, epilog=EXAMPLES[name], formatter_class=HelpFormatter
        )
        subparsers[name] = sub
        return sub

    build = command("build", "load ontology + data, validate, write the store and dumps")
    build.add_argument("--quiet", action="store_true", help="no progress, only the summary or the report")
    build.add_argument(
        "--public",
        action="store_true",
        help="a build to publish: refuse placeholder publisher values (publisher.toml, docs/clients.md)",
    )
    build.set_defaults(handler=run_build)

    serve = command("serve", "serve the graph over HTTP (builds first when the inputs changed)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(handler=run_serve)

    validate = command("validate", "SHACL report for files; non-zero exit when one does not conform")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--lang", default="en", choices=["en", "sv"], help="language of the messages")
    validate.set_defaults(handler=run_validate)

    query = command("query", "run SPARQL against the built store")
    query.add_argument("query", metavar="QUERY|@FILE")
    query.add_argument(
        "--format", choices=["table", "json", "csv", "tsv", "ttl"], default="table", help="output format"
    )
    query.set_defaults(handler=run_query)

    trace = command(
        "trace", "what traces to a principle or goal (or, with --drawn-on, what a municipality draws on)"
    )
    trace.add_argument(
        "target",
        nargs="?",
        metavar="NOTATION|IRI",
        help="a notation (with --framework), FRAMEWORK/NOTATION, or an IRI",
    )
    trace.add_argument("--framework", default="eu-cbp-2004", help="framework slug of a notation")
    trace.add_argument("--municipality", metavar="KOMMUNKOD", help="only this municipality's documents")
    trace.add_argument(
        "--kind",
        action="append",
        choices=["explicit", "paraphrase", "thematic"],
        help="only paths of this kind (the weakest step); repeatable",
    )
    trace.add_argument(
        "--document-type",
        metavar="TYPE",
        help="Strategy, Policy, Programme, Plan, Guideline, Rules, InformationPage",
    )
    trace.add_argument(
        "--direct", action="store_true", help="only the origin's own citations, nothing inherited"
    )
    trace.add_argument(
        "--in-force-on", metavar="DATE", help="only documents in force on YYYY-MM-DD (or in YYYY-MM, YYYY)"
    )
    trace.add_argument(
        "--drawn-on",
        metavar="KOMMUNKOD|DOCUMENT-IRI",
        help="the reverse question: what it draws on, what it never mentions",
    )
    trace.add_argument(
        "--matrix", action="store_true", help="municipalities x principles and goals: links by kind"
    )
    trace.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format")
    trace.set_defaults(handler=run_trace)

    draft = command("draft", "turn a policy text into a Turtle draft with suggested citations")
    draft.add_argument("source", type=Path, metavar="SOURCE.txt")
    draft.add_argument("--municipality", required=True, metavar="KOMMUNKOD")
    draft.add_argument("--out", type=Path, help="where to write the Turtle draft (default: standard output)")
    draft.add_argument(
        "--format",
        choices=["summary", "json"],
        default="summary",
        help="the summary printed on standard error",
    )
    draft.set_defaults(handler=run_draft)

    search = command("search", "full-text search over labels, titles, definitions and quotes")
    search.add_argument("words", nargs="+", metavar="WORD", help="Swedish or English words")
    search.add_argument("--municipality", metavar="KOMMUNKOD", help="only this municipality's resources")
    search.add_argument("--county", metavar="LÄNSKOD", help="only this county's municipalities")
    search.add_argument(
        "--kind",
        action="append",
        help="document, focus-area, goal, action, principle, national-goal, … or a quote kind "
        "(explicit, paraphrase, thematic); repeatable",
    )
    search.add_argument("--document-type", metavar="TYPE", help="Strategy, Policy, Programme, Plan, …")
    search.add_argument("--page", type=int, default=1, help="page of results")
    search.add_argument("--per-page", type=int, default=20, help="results per page (at most 200)")
    search.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format")
    search.set_defaults(handler=run_search)
    return parser, subparsers


def run_build(args: argparse.Namespace, settings: Settings) -> int:
    from .build import BUILD_STEPS, BuildFailed, build
    from .progress import Progress
    from .publisher import PublisherError, placeholder_line, read_publisher

    try:
        placeholders = placeholder_line(read_publisher(settings))
    except PublisherError as error:
        print(f"integration-kg build: {error}", file=sys.stderr)
        return EXIT_USAGE
    if placeholders and args.public:
        print(
            f"integration-kg build --public: refused: {placeholders}; fill them in (docs/clients.md)",
            file=sys.stderr,
        )
        return EXIT_PLACEHOLDERS
    if placeholders:
        log.warning(
            "local build: the catalogue's publisher and contact point are placeholders: %s", placeholders
        )

    try:
        result = build(settings, Progress(steps=BUILD_STEPS, quiet=args.quiet))
    except BuildFailed as failure:
        print(failure.report, file=sys.stderr)
        print("\nThe previous store, if any, is unchanged.", file=sys.stderr)
        return EXIT_FAILED
    except OSError as error:  # a full disk, an unwritable store folder: one line, not a traceback
        print(f"\n{write_failure(error, settings)}", file=sys.stderr)
        return EXIT_FAILED
    print(result.summary())
    return EXIT_OK


def write_failure(error: OSError, settings: Settings) -> str:
    """The one line a build that could not write says (ENOSPC, EACCES, EROFS, …)."""
    reason = error.strerror or str(error)
    where = f" ({error.filename})" if error.filename else ""
    return (
        f"integration-kg build: cannot write the new build under {settings.store_dir}{where}: {reason}; "
        "the store being served is unchanged"
    )


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .build import BUILD_STEPS, BuildFailed, build, needs_build
    from .progress import Progress
    from .store import current_store_path

    if needs_build(settings):
        from .publisher import PublisherError, placeholder_line, read_publisher

        try:
            placeholders = placeholder_line(read_publisher(settings))
        except PublisherError as error:
            print(f"integration-kg serve: {error}", file=sys.stderr)
            return EXIT_USAGE
        if placeholders:
            log.warning(
                "local build: the catalogue's publisher and contact point are placeholders: %s", placeholders
            )
        try:
            print(build(settings, Progress(steps=BUILD_STEPS)).summary(), file=sys.stderr)
        except OSError as error:
            print(write_failure(error, settings), file=sys.stderr)
            if current_store_path(settings) is None:
                return EXIT_FAILED
            log.warning("serving the last good store instead")
        except BuildFailed as failure:
            print(failure.report, file=sys.stderr)
            if current_store_path(settings) is None:
                return EXIT_FAILED
            log.warning("serving the last good store instead")
    # The app factory reads its settings from the environment, in this process and in every worker.
    level = log_level(args, settings)
    os.environ.update(settings.to_environ())
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # The server's own start-up and request lines are shown by default (info), fewer with -q.
        log_level=logging.INFO if level == logging.WARNING else level,
        log_config=server_config(uvicorn.config.LOGGING_CONFIG, level),
    )
    return EXIT_OK


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from .build import check_files

    missing = [p for p in args.files if not p.is_file()]
    if missing:
        for path in missing:
            print(f"{path}: {'ingen sådan fil' if args.lang == 'sv' else 'no such file'}", file=sys.stderr)
        return EXIT_USAGE
    failed = False
    for path, report, problems in check_files(settings, args.files):
        if report is not None:
            print(report.text(language=args.lang, label=str(path)))
            failed |= not report.conforms
        for problem in problems:
            print(f"{problem}" if report is None else f"  {problem}")
        failed |= bool(problems)
    return EXIT_FAILED if failed else EXIT_OK


def run_query(args: argparse.Namespace, settings: Settings) -> int:
    from .store import StoreUnavailable, open_store

    text = args.query
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            return EXIT_USAGE
        text = path.read_text(encoding="utf-8")
    try:
        store = open_store(settings)
        result = store.query(text)
    except StoreUnavailable as error:
        print(str(error), file=sys.stderr)
        return EXIT_FAILED
    except SyntaxError as error:
        if is_update(text):
            print(
                "updates are not allowed: the store is read-only (use SELECT, ASK, CONSTRUCT or DESCRIBE)",
                file=sys.stderr,
            )
        else:
            print(f"The query does not parse: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError) as error:
        print(f"The query failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    print_result(result, args.format)
    return EXIT_OK


def is_update(text: str) -> bool:
    """Whether a text that is not a query parses as SPARQL Update (a real parse, rdflib's)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:  # noqa: BLE001 (any parse failure: not an update)
        return False
    return True


def warn_unknown_municipality(store: GraphStore, settings: Settings, municipality: str | None) -> None:
    """A warning (a log record) when a filter names a municipality the graph has no documents of."""
    if not municipality:
        return
    from . import trace as tr

    try:
        iri = tr.municipality_iri(settings, municipality)
    except tr.TraceInputError:
        return  # the filter itself reports it
    dcterms = "http://purl.org/dc/terms/"
    if store.ask(f"ASK {{ ?d <{dcterms}publisher> <{iri}> }}"):
        return
    code = iri.rsplit("/", 1)[-1]
    if store.ask(f"ASK {{ <{iri}> ?p ?o }}"):
        log.warning("municipality %s has no documents in the graph", code)
    else:
        log.warning("no municipality with kommunkod %s in the graph", code)


def print_result(result: QueryResult, output: str) -> None:
    """A query result on standard output: a table for a person, or json/csv/tsv/ttl for programs."""
    from rdflib import Graph

    from .store import SelectResult

    if isinstance(result, Graph):
        sys.stdout.write(result.serialize(format="turtle"))
        return
    if isinstance(result, bool):
        if output == "json":
            print(json.dumps({"head": {}, "boolean": result}))
        else:
            print("true" if result else "false")
        return
    assert isinstance(result, SelectResult)
    if output == "json":
        print(
            json.dumps(
                {
                    "head": {"vars": result.variables},
                    "results": {
                        "bindings": [{k: _json_term(v) for k, v in row.items()} for row in result.rows]
                    },
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    elif output in ("csv", "tsv"):
        writer = csv.writer(sys.stdout, delimiter="," if output == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([str(row[v]) if v in row else "" for v in result.variables])
    elif output == "ttl":
        print("A SELECT result has no Turtle form: use --format json, csv or tsv.", file=sys.stderr)
    else:
        print(
            render_table(
                result.variables, [[_cell(row.get(v)) for v in result.variables] for row in result.rows]
            )
        )
        print(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")


def render_table(header: list[str], rows: list[list[str]], max_width: int = 60) -> str:
    """A plain-text table with aligned columns; long cells are cut with an ellipsis."""
    cut = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cut]) for i, h in enumerate(header)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cut]
    return "\n".join(out)


def _cell(term: object) -> str:
    from rdflib import Literal

    if term is None:
        return ""
    if isinstance(term, Literal) and term.language:
        return f"{term} @{term.language}"
    return str(term)


def _json_term(term: object) -> dict[str, str]:
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    return {"type": "uri", "value": str(term)}


def run_trace(args: argparse.Namespace, settings: Settings) -> int:
    from . import trace as tr
    from .store import StoreUnavailable, open_store

    if bool(args.target) + bool(args.drawn_on) + bool(args.matrix) != 1:
        print("give one of: a target (NOTATION|IRI), --drawn-on KOMMUNKOD|IRI, or --matrix", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = open_store(settings)
        warn_unknown_municipality(store, settings, args.municipality)
        filters = tr.make_filters(
            settings,
            municipality=args.municipality,
            kinds=args.kind,
            direct=args.direct,
            document_type=args.document_type,
            in_force_on=args.in_force_on,
        )
        if args.matrix:
            m = tr.matrix(store, settings, tr.DEFAULT_MATRIX_FRAMEWORKS, filters)
            records = tr.matrix_records(m)
            return _print_records(
                args.format,
                tr.MATRIX_CSV_HEADER,
                records,
                [
                    [
                        r["kommunkod"],
                        r["municipality_label"],
                        f"{r['framework']} {r['notation']}",
                        r["explicit"],
                        r["paraphrase"],
                        r["citations"],
                        r["thematic"],
                    ]
                    for r in records
                    if r["links"] != "0"
                ],
                ["kommunkod", "municipality", "target", "explicit", "paraphrase", "citations", "alignments"],
                f"{sum(int(r['citations']) for r in records)} citation links and "
                f"{sum(int(r['alignments']) for r in records)} thematic alignments (not citations) "
                f"in {sum(r['links'] != '0' for r in records)} cells",
            )
        if args.drawn_on:
            drawn = tr.drawn_on(store, settings, args.drawn_on, filters)
            paths = [p for ps in drawn.paths.values() for p in ps]
            if args.format == "json":
                print(
                    json.dumps(
                        {
                            "subject": drawn.subject.iri,
                            "paths": [tr.path_dict(p, drawn.catalogue) for p in paths],
                            "neverMentioned": [c.iri for c in drawn.never_mentioned],
                        },
                        ensure_ascii=False,
                        indent=1,
                    )
                )
                return EXIT_OK
            cat = drawn.catalogue
            rows = [
                [
                    cat.get(t).label(),
                    str(len({p.link for p in ps})),
                    str(len(ps)),
                    max((p.kind for p in ps if p.kind), key=lambda k: tr.STRENGTH[k], default=""),
                ]
                for t, ps in drawn.paths.items()
            ]
            code = _print_records(
                args.format,
                tr.TRACE_CSV_HEADER,
                tr.path_records(paths, cat),
                rows,
                ["draws on", "links", "paths", "strongest"],
                f"{drawn.subject.label()}",
            )
            if args.format == "table":
                print(
                    f"Never mentioned ({drawn.framework.label()}): "
                    + (", ".join(c.notation for c in drawn.never_mentioned) or "none")
                )
            return code
        target = tr.resolve_target(
            store, settings, args.target, args.framework if "/" not in args.target else None
        )
        answer = tr.trace(store, settings, target, filters)
    except StoreUnavailable as error:
        print(str(error), file=sys.stderr)
        return EXIT_FAILED
    except tr.TraceInputError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    cat = answer.catalogue
    if args.format == "json":
        print(
            json.dumps(
                {
                    "target": target,
                    "filters": filters.describe(),
                    "links": len(answer.links()),
                    "paths": [tr.path_dict(p, cat) for p in answer.paths],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return EXIT_OK
    rows = []
    for path in answer.paths:
        municipality = cat.municipality_of(path.origin)
        rows.append(
            [
                municipality.label() if municipality else "",
                cat.get(path.origin).label(),
                path.kind + (" (alignment)" if path.is_alignment else ""),
                " > ".join(s.relation for s in path.steps),
                " | ".join(s.quote for s in path.steps if s.quote),
            ]
        )
    return _print_records(
        args.format,
        tr.TRACE_CSV_HEADER,
        tr.path_records(answer.paths, cat),
        rows,
        ["municipality", "origin", "kind", "path", "quotes"],
        f"{cat.get(target).label()}: {len(answer.paths)} paths, "
        f"{sum(1 for p in answer.links().values() if not p.is_alignment)} citation links, "
        f"{sum(1 for p in answer.links().values() if p.is_alignment)} thematic alignments (not citations)",
    )


def _print_records(
    output: str,
    header: tuple[str, ...],
    records: list[dict[str, str]],
    rows: list[list[str]],
    table_header: list[str],
    caption: str,
) -> int:
    """CSV (the API's header) or a readable table with a caption line."""
    if output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(header), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    elif output == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        print(caption)
        print(render_table(table_header, rows))
    return EXIT_OK


def run_draft(args: argparse.Namespace, settings: Settings) -> int:
    import re

    from rdflib import Graph

    from .datafiles import DataFileError, discover, parse_file
    from .draft import DraftInputError, draft_document, format_summary, read_source_text, summary_json
    from .rdfterms import graph_of

    if not re.fullmatch(r"[0-9]{4}", args.municipality):
        print(f"--municipality must be a four-digit kommunkod, not {args.municipality!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        text = read_source_text(args.source)
    except DraftInputError as error:
        message = str(error)
        print(
            message if message.startswith(str(args.source)) else f"{args.source}: {message}", file=sys.stderr
        )
        return EXIT_USAGE
    frameworks, municipalities = Graph(), Graph()
    try:
        for data_file in discover(settings):
            if data_file.role == "frameworks":
                graph_of(parse_file(data_file, settings), frameworks)
            elif data_file.role in ("municipalities", "geo"):  # geo: all 290, from data/geo/
                graph_of(parse_file(data_file, settings), municipalities)
    except DataFileError as error:
        print(f"The project data does not parse: {error}", file=sys.stderr)
        return EXIT_FAILED
    draft = draft_document(
        text,
        args.municipality,
        frameworks=frameworks,
        municipalities=municipalities,
        source_name=args.source.name,
    )
    turtle = draft.turtle()
    if args.out:
        args.out.write_text(turtle, encoding="utf-8")
    else:
        sys.stdout.write(turtle)
    if args.format == "json":
        print(summary_json(draft), file=sys.stderr)
    else:
        print(format_summary(draft), file=sys.stderr)
    return EXIT_OK


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    from .search import SearchIndex, SearchInputError, SearchUnavailable, index_path, make_filters
    from .store import current_store_path, open_store

    path = current_store_path(settings)
    if path is None:
        print("nothing has been built yet: run `integration-kg build`", file=sys.stderr)
        return EXIT_FAILED
    try:
        filters = make_filters(args.municipality, args.county, args.kind, args.document_type)
        result = SearchIndex(index_path(path)).search(
            " ".join(args.words), filters, page=args.page, per_page=args.per_page
        )
    except SearchInputError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except SearchUnavailable as error:
        print(str(error), file=sys.stderr)
        return EXIT_FAILED
    if args.municipality:
        warn_unknown_municipality(open_store(settings), settings, args.municipality)
    records = [
        {
            "rank": str(n),
            "iri": hit.iri,
            "kind": hit.kind,
            "label": hit.label("sv"),
            "municipality": hit.municipality_label,
            "document": hit.document_label_sv,
            "field": hit.field,
            "snippet": hit.highlighted,
        }
        for n, hit in enumerate(result.hits, start=(result.page - 1) * result.per_page + 1)
    ]
    header = ("rank", "iri", "kind", "label", "municipality", "document", "field", "snippet")
    return _print_records(
        args.format,
        header,
        records,
        [[r["rank"], r["label"], r["kind"], r["municipality"], r["snippet"]] for r in records],
        ["#", "label", "kind", "municipality", "snippet"],
        f"{result.total} results for {result.query!r} · page {result.page} of {result.pages}",
    )


if __name__ == "__main__":
    sys.exit(main())
