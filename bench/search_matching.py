"""How three ways of matching words compare on the current build's search index: whole words (FTS5's
unicode61 tokenizer), trigram substrings (FTS5's trigram tokenizer), and what the service does (Snowball
stems plus compound parts, service/search.py). Prints, per query, how many resources each finds.

    .venv/bin/python bench/search_matching.py
"""

from __future__ import annotations

import sqlite3

from service.search import SearchIndex, index_path
from service.settings import Settings
from service.store import current_store_path

QUERIES = (
    "språk",
    "språket",
    "språkkunskaper",
    "svenska språket",
    "kunskaper",
    "boende",
    "bostad",
    "arbetsmarknad",
    "arbete",
    "delaktighet",
)


def main() -> None:
    store = current_store_path(Settings.from_env())
    if store is None:
        raise SystemExit("nothing has been built yet: run `integration-kg build`")
    path = index_path(store)
    entries = sqlite3.connect(path).execute("SELECT id, iri, text FROM entries").fetchall()
    memory = sqlite3.connect(":memory:")
    iri = {row[0]: row[1] for row in entries}
    for name, tokenizer in (("words", "unicode61"), ("trigram", "trigram")):
        memory.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(text, tokenize='{tokenizer}')")
        memory.executemany(f"INSERT INTO {name} (rowid, text) VALUES (?, ?)", [(r[0], r[2]) for r in entries])
    index = SearchIndex(path)
    print(f"{'query':18} {'words':>6} {'trigram':>8} {'stems+parts':>12}")
    for q in QUERIES:
        expression = " AND ".join(f'"{word}"' for word in q.split())
        found = {
            name: len(
                {
                    iri[r[0]]
                    for r in memory.execute(f"SELECT rowid FROM {name} WHERE {name} MATCH ?", (expression,))
                }
            )
            for name in ("words", "trigram")
        }
        print(f"{q:18} {found['words']:6} {found['trigram']:8} {index.search(q).total:12}")


if __name__ == "__main__":
    main()
