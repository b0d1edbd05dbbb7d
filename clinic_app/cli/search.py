"""``clinic-app search``: therapies, comparison cells and references, ranked."""

from __future__ import annotations

import argparse
import json

from clinic_app.cli.common import count, location_of, shown, text

NAME = "search"
MAX_LIMIT = 1000


def add_parser(commands: argparse._SubParsersAction) -> None:
    search = commands.add_parser("search", help="search therapies, comparison cells and references")
    search.add_argument("query", nargs="+", type=text, help="words to look for; each is matched as a prefix")
    search.add_argument("--limit", type=count(1, MAX_LIMIT), default=20,
                        help=f"at most this many results, 1 to {MAX_LIMIT} (default 20)")
    search.add_argument("--condition", metavar="SLUG", type=text, help="only the options for this condition "
                        "(chronic-low-back-pain, sciatica, spinal-stenosis)")
    search.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace) -> int:
    from clinic_app.errors import InputError
    from clinic_app.services import search, store_setup
    from clinic_app.services.library import get_condition

    query = " ".join(args.query)
    words = search.word_count(query)
    if words > search.MAX_WORDS:
        raise InputError(f"the search '{shown(query)}' has {words:,} words; a search takes at most "
                         f"{search.MAX_WORDS}: give the few words that matter")
    store = store_setup.open_store(location_of(args))
    results = search.search_results(store, query, limit=max(1, args.limit) if not args.condition else 200)
    hits = results.hits
    if args.condition:
        members = {t.slug for t in get_condition(store, args.condition).therapies}
        hits = [h for h in hits if h.slug in members][: max(1, args.limit)]
    if args.json:
        print(json.dumps({"query": query, "corrected": results.corrected, "conditions": list(results.conditions),
                          "results": [
            {"slug": h.slug, "name": h.name, "category": h.category, "status": h.status,
             "evidence_grade": h.evidence_grade, "snippet": h.snippet, "rank": round(h.rank, 4), "via": h.via}
            for h in hits]}, indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print(f"no therapy matches {query!r}")
        return 1
    if results.corrected:
        print(f"nothing matches {query!r}; showing results for {results.corrected!r}")
    width = max(len(h.slug) for h in hits)
    for hit in hits:
        print(f"{hit.slug:<{width}}  {hit.name}  [{hit.status}]")
        print(f"{'':<{width}}  {' '.join(hit.snippet.split())}")
    return 0

