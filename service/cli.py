"""The command line: `integration-kg build | serve | validate | query | trace | draft`."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from .store import QueryResult

from .settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env(base_iri=args.base_iri, store_dir=args.store_dir, data_dir=args.data_dir)
    try:
        return args.handler(args, settings)
    except KeyboardInterrupt:
        return 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integration-kg",
        description="An open knowledge graph of integration policy, published as Linked Data.",
        epilog="Settings (options first, then these environment variables, then defaults):\n" + Settings.describe(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--base-iri", help="base IRI of every identifier (INTEGRATION_KG_BASE_IRI)")
    parser.add_argument("--store-dir", type=Path, help="where the store is built (INTEGRATION_KG_STORE_DIR)")
    parser.add_argument("--data-dir", type=Path, help="the graph's source files (INTEGRATION_KG_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="load ontology + data, validate, write the store and dumps")
    build.add_argument("--quiet", action="store_true", help="no progress, only the summary or the report")
    build.set_defaults(handler=run_build)

    serve = commands.add_parser("serve", help="serve the graph over HTTP (builds first when the inputs changed)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(handler=run_serve)

    validate = commands.add_parser("validate", help="SHACL report for files; non-zero exit when one does not conform")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--lang", default="en", choices=["en", "sv"], help="language of the messages")
    validate.set_defaults(handler=run_validate)

    query = commands.add_parser("query", help="run SPARQL against the built store")
    query.add_argument("query", metavar="QUERY|@FILE")
    query.add_argument("--format", choices=["table", "json", "csv", "tsv", "ttl"], default="table")
    query.set_defaults(handler=run_query)

    draft = commands.add_parser("draft", help="turn a policy text into a Turtle draft with suggested citations")
    draft.add_argument("source", type=Path, metavar="SOURCE.txt")
    draft.add_argument("--municipality", required=True, metavar="KOMMUNKOD")
    draft.add_argument("--out", type=Path, help="where to write the Turtle draft (default: standard output)")
    draft.add_argument("--format", choices=["summary", "json"], default="summary", help="the summary printed on standard error")
    draft.set_defaults(handler=run_draft)
    return parser


def run_build(args: argparse.Namespace, settings: Settings) -> int:
    from .build import BuildFailed, build
    from .progress import Progress

    try:
        result = build(settings, Progress(steps=6, quiet=args.quiet))
    except BuildFailed as failure:
        print(failure.report, file=sys.stderr)
        print("\nThe previous store, if any, is unchanged.", file=sys.stderr)
        return EXIT_FAILED
    print(result.summary())
    return EXIT_OK


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .build import BuildFailed, build, needs_build
    from .progress import Progress
    from .store import current_store_path

    if needs_build(settings):
        try:
            print(build(settings, Progress(steps=6)).summary(), file=sys.stderr)
        except BuildFailed as failure:
            print(failure.report, file=sys.stderr)
            if current_store_path(settings) is None:
                return EXIT_FAILED
            print("Serving the last good store instead.", file=sys.stderr)
    uvicorn.run("service.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="info")
    return EXIT_OK


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from .build import check_files

    missing = [p for p in args.files if not p.is_file()]
    if missing:
        for path in missing:
            print(f"{path}: no such file", file=sys.stderr)
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
        print(f"The query does not parse: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError) as error:
        print(f"The query failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    print_result(result, args.format)
    return EXIT_OK


def print_result(result: "QueryResult", output: str) -> None:
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
        print(json.dumps({"head": {"vars": result.variables},
                          "results": {"bindings": [{k: _json_term(v) for k, v in row.items()} for row in result.rows]}},
                         ensure_ascii=False, indent=1))
    elif output in ("csv", "tsv"):
        writer = csv.writer(sys.stdout, delimiter="," if output == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([str(row[v]) if v in row else "" for v in result.variables])
    elif output == "ttl":
        print("A SELECT result has no Turtle form: use --format json, csv or tsv.", file=sys.stderr)
    else:
        print(render_table(result.variables, [[_cell(row.get(v)) for v in result.variables] for row in result.rows]))
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


def run_draft(args: argparse.Namespace, settings: Settings) -> int:
    import re

    from rdflib import Graph

    from .datafiles import DataFileError, discover, parse_file
    from .draft import DraftInputError, draft_document, format_summary, read_source_text
    from .rdfterms import graph_of

    if not re.fullmatch(r"[0-9]{4}", args.municipality):
        print(f"--municipality must be a four-digit kommunkod, not {args.municipality!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        text = read_source_text(args.source)
    except DraftInputError as error:
        print(f"{args.source}: {error}", file=sys.stderr)
        return EXIT_USAGE
    frameworks, municipalities = Graph(), Graph()
    try:
        for data_file in discover(settings):
            if data_file.role == "frameworks":
                graph_of(parse_file(data_file, settings), frameworks)
            elif data_file.role == "municipalities":
                graph_of(parse_file(data_file, settings), municipalities)
    except DataFileError as error:
        print(f"The project data does not parse: {error}", file=sys.stderr)
        return EXIT_FAILED
    draft = draft_document(text, args.municipality, frameworks=frameworks, municipalities=municipalities,
                           source_name=args.source.name)
    turtle = draft.graph.serialize(format="turtle")
    if args.out:
        args.out.write_text(turtle, encoding="utf-8")
    else:
        sys.stdout.write(turtle)
    if args.format == "json":
        print(json.dumps(draft.summary_data(), ensure_ascii=False, indent=1), file=sys.stderr)
    else:
        print(format_summary(draft), file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
