"""Understanding customers' plan questions and answering them from the catalogue (K2, M1).

A question is parsed into a *query* — the product, the tiers constraints pick out (sub-service,
price, data amount, cheapest/most), the attributes asked and whether two tiers are compared — and
the query is executed on an in-memory view of the catalogue. Everything the parser knows comes
from two places: the catalogue itself (product names, aliases, tier names, sub-services and
values, so a new product is understood as soon as it is imported) and the phrase lists, which
say how Chinese customers ask for each attribute. Labelled questions, where an operator has
them, are learnt separately (`knowledge.learning`) and set on the index.

The parse carries a confidence; the assistant hands over to a person below a threshold (`SURE`).

The modules, each importing only those above it in this list:

- `normalise`: one spelling for questions and names (Chinese numerals, units, width, case);
- `phrases`: how customers ask for each attribute, superlatives and comparisons;
- `index`: the catalogue as the parser sees it, and every name a question may use;
- `parse`: a question into a `Query`;
- `answer`: a `Query` into the catalogue values that answer it;
- `load`: the view built from the database (uses `index`, not `parse` or `answer`).

Other modules use the names below, as `kbqa.parse`, `kbqa.Index` …; the modules' other names are
the package's own. (`kbqa.parse` is the function: it shadows the module of that name, which is
`sys.modules["servicehall.knowledge.kbqa.parse"]` where a test needs it.)
"""

from .answer import (
    WEIGHS,
    answer_values,
    compare_sides,
    extent,
    values,
    version_tiers,
    versus_extents,
)
from .index import Index, ProductView, TierView, fmt_value
from .load import catalogue_stamp, load_catalogue, load_index
from .normalise import normalize
from .parse import GUESS_MARGIN, SURE, Query, parse
from .phrases import RULE_KINDS

__all__ = [
    "GUESS_MARGIN",
    "RULE_KINDS",
    "SURE",
    "WEIGHS",
    "Index",
    "ProductView",
    "Query",
    "TierView",
    "answer_values",
    "catalogue_stamp",
    "compare_sides",
    "extent",
    "fmt_value",
    "load_catalogue",
    "load_index",
    "normalize",
    "parse",
    "values",
    "version_tiers",
    "versus_extents",
]
