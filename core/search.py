"""Global search: one registry of providers, one way of matching records.

Each app registers a provider per kind of record in its own ``search.py``, imported from its
``AppConfig.ready()``; core imports no app::

    from core import search

    class ContactSearch(search.Provider):
        key, label, icon = "contacts", "Contacts", "person-lines-fill"
        model = Contact
        list_url_name = "accounts:contact_list"
        names = {"search_name": search.full_name("first_name", "last_name")}
        emails = ("email",)
        phones = search.phone_digits("phone", "mobile")

    search.register(ContactSearch())

The same provider answers the search box (``results``: top rows per kind) and the list pages'
``q`` filter (``Provider.filter``, called by ``core.filters.RecordFilterSet``), so "see all"
lists exactly the matches of the dropdown.

How a query is matched, and why every branch can use an index:

* looks like an e-mail address -> exact match on ``lower(email)`` (a b-tree on that
  expression);
* looks like a phone number (only phone characters, at least ``MIN_PHONE_DIGITS`` digits) ->
  the digits are looked for inside the record's phone digits, ``LIKE '%digits%'`` on a trigram
  GIN index over ``regexp_replace(phone, '[^0-9]+', '', 'g')``;
* anything else -> every word of the query must be word-similar (``word <% name``, trigrams,
  GIN ``gin_trgm_ops`` indexes on the lower-cased names) to the name: partial names while
  typing ("smi" in "John Smith") and typos ("Jonh Smiht"). Each word is one GIN scan and the
  scans are AND-ed, so a common word alone does not flood the candidates. Ranked by
  ``word_similarity`` with the whole query, computed on the matches only;
* one word of at least ``MIN_PREFIX_LENGTH`` letters ("kris", "schn": typed while searching)
  -> the names with a word starting with it (``LIKE`` and ``~`` on the same trigram indexes),
  and word-similar names only when those are fewer than ``GROUP_SIZE``, decided inside the
  same query (``Provider.single_word_condition``): a word of four letters is word-similar to
  ~3 % of a million names, which were all read and ranked (≈ 170 ms) to show five.

``<%`` reads its threshold from ``pg_trgm.word_similarity_threshold``; ``thresholds()`` sets it
for one transaction (``set_config(..., true)``: no leak to other requests, safe behind
PgBouncer). Where a query runs outside it (the API, a streamed CSV export), PostgreSQL's
default (0.6) applies: the same kind of matches, stricter about typos.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat, Greatest, Lower
from django.urls import reverse

from core.access import NO_ROWS

MIN_LENGTH = 2
MAX_LENGTH = 100
MIN_PHONE_DIGITS = 6
MAX_WORDS = 6
# A one-word query at least this long matches names by word prefix first (a word of two
# letters holds no trigram to find it with in a LIKE or a regular expression).
MIN_PREFIX_LENGTH = 3
WORD_SEPARATORS = "[- '.,/&()+_]"  # a regular expression's bracket expression
GROUP_SIZE = 5
# Each word of the query must be this similar to a word of the name: "jonh" shares 2 of its 5
# trigrams with "john" (0.4), "smiht" 3 of 6 with "smith". PostgreSQL's default is 0.6.
WORD_SIMILARITY_THRESHOLD = 0.4

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^[\d\s+().\-/]+$")
_NUMBER = re.compile(r"^#?(\d{1,18})$")


# -- expressions shared by the models' indexes and the queries (they must be identical) -------


def full_name(*fields: str) -> Lower:
    """``lower(first || ' ' || last)``: index it with ``GinIndex(OpClass(..., "gin_trgm_ops"))``."""
    parts: list = []
    for field in fields:
        if parts:
            parts.append(Value(" "))
        parts.append(F(field))
    return Lower(Concat(*parts) if len(parts) > 1 else parts[0])


def _digits(field: str) -> models.Func:
    return models.Func(
        F(field),
        Value("[^0-9]+"),
        Value(""),
        Value("g"),
        function="regexp_replace",
        output_field=models.CharField(),
    )


def phone_digits(*fields: str) -> models.Expression:
    """The digits of one or more phone fields, space-separated (a pattern of digits never
    matches across two numbers)."""
    parts: list = []
    for field in fields:
        if parts:
            parts.append(Value(" "))
        parts.append(_digits(field))
    return Concat(*parts, output_field=models.CharField()) if len(parts) > 1 else parts[0]


# -- the query --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    raw: str  # as typed (stripped), for links and messages
    text: str  # lower-cased, whitespace collapsed: what names are compared with
    email: str = ""  # set when the query is an e-mail address
    digits: str = ""  # set when the query is a phone number
    number: int | None = None  # "123" or "#123": a record id
    words: tuple[str, ...] = ()  # the words of ``text`` (at most MAX_WORDS)

    @property
    def querystring(self) -> str:
        return urlencode({"q": self.raw})


def parse(raw: str | None) -> Query | None:
    """``None`` when there is nothing worth searching for (too short)."""
    raw = " ".join((raw or "").split())[:MAX_LENGTH]
    text = raw.lower()
    if len(text) < MIN_LENGTH:
        return None
    email = text if _EMAIL.match(text) else ""
    digits = ""
    if not email and _PHONE.match(text):
        only = re.sub(r"\D", "", text)
        if len(only) >= MIN_PHONE_DIGITS:
            digits = only
    match = _NUMBER.match(text)
    number = int(match.group(1)) if match and int(match.group(1)) < 2**63 else None
    # "#123" is a record number, not a word to look for in names.
    words = (
        () if text.startswith("#") and number else tuple(dict.fromkeys(text.split()))[:MAX_WORDS]
    )
    return Query(raw=raw, text=text, email=email, digits=digits, number=number, words=words)


@contextmanager
def thresholds():
    """A transaction in which ``<%`` uses this module's threshold (one query)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(WORD_SIMILARITY_THRESHOLD)],
            )
        yield


# -- providers --------------------------------------------------------------------------------


class Provider:
    """One kind of record in the search box. Subclasses declare fields; override
    ``extra_conditions`` for anything else (e.g. further e-mails, record numbers)."""

    key = ""
    label = ""
    icon = "search"
    model: type[models.Model] | None = None
    list_url_name = ""
    order = 100
    # alias -> expression compared by trigram similarity (each needs a gin_trgm_ops index)
    names: dict[str, models.Expression] = {}
    emails: tuple[str, ...] = ()  # fields matched exactly, lower-cased (index on lower(field))
    phones: models.Expression | None = None  # phone_digits(...) (a trigram index on it)
    tiebreak: tuple[str, ...] = ("pk",)
    select_related: tuple[str, ...] = ()
    # Foreign keys a record picker may narrow its matches by (``?account=5``: that account's
    # rows, listed in ``tiebreak`` order before anything is typed).
    narrowed_by: tuple[str, ...] = ()

    # -- matching (used by the search box and by list pages' ``q``) ---------------------------
    def extra_conditions(self, query: Query) -> list[Q]:
        return []

    def email_condition(self, queryset, query: Query):
        """(queryset, condition) for an e-mail query: exact, lower-cased (b-tree on lower())."""
        condition = None
        for field in self.emails:
            alias = f"search_email_{field}"
            queryset = queryset.alias(**{alias: Lower(field)})
            condition = (
                Q(**{alias: query.email})
                if condition is None
                else condition | Q(**{alias: query.email})
            )
        return queryset, condition

    def word_condition(self, word: str) -> Q:
        """The word is word-similar to one of the names (GIN ``gin_trgm_ops``)."""
        found = Q()
        for alias in self.names:
            found |= Q(**{f"{alias}__trigram_word_similar": word})
        return found

    def prefix_condition(self, word: str) -> Q:
        """A word of one of the names starts with ``word``: at the start or after a space or
        punctuation ("schmid" starts a word of "Lind-Schmid", "brien" of "O'Brien"), on the
        same trigram GIN indexes: ``LIKE '%word%' AND ~ '(^|[- ''.,/&()+_])word'``. The
        separators are listed: from a class such as ``[^[:alnum:]]`` pg_trgm extracts no
        word-start trigrams, and a common substring ("son") would bring every "…son" to the
        recheck (72,000 rows instead of 452). The ``LIKE`` adds nothing to the match, but makes
        PostgreSQL's row estimate for the two small enough that the ``GROUP_SIZE``-th row below
        is looked for in a bitmap of the GIN index (8 ms for "kris" at 1M contacts), not by
        walking a b-tree of a million rows in name order (450 ms)."""
        pattern = f"(^|{WORD_SEPARATORS})" + re.sub(r"(\W)", r"\\\1", word)
        found = Q()
        for alias in self.names:
            found |= Q(**{f"{alias}__contains": word, f"{alias}__regex": pattern})
        return found

    def single_word_condition(self, queryset, word: str) -> Q:
        """One word, typed while searching ("kris"): the names with a word that starts with it;
        similar ones ("smiht") only when those are fewer than ``GROUP_SIZE`` (of the rows in
        ``queryset``, which has the ``names`` aliases). One query::

            <prefix> OR name %> CASE WHEN NOT EXISTS (<prefix> OFFSET GROUP_SIZE - 1)
                                     THEN 'word' END

        The ``NOT EXISTS`` has no outer reference: PostgreSQL runs it once (an InitPlan)
        before the index scans; with enough prefix rows the similarity operand is NULL and its
        GIN scan returns nothing at once. A short word is similar to tens of thousands of names
        of a large table ("kris": 2 of its 5 trigrams, 0.4): reading and ranking all of them
        was the cost. Ranking is unchanged (``word_similarity``): a word that starts with the
        query ranks above any that merely resembles it, so the top rows rarely differ."""
        prefix = self.prefix_condition(word)
        enough = queryset.order_by().filter(prefix)[GROUP_SIZE - 1 : GROUP_SIZE]
        operand = Case(When(~models.Exists(enough), then=Value(word)), default=Value(None))
        similar = Q()
        for alias in self.names:
            similar |= Q(**{f"{alias}__trigram_word_similar": operand})
        return prefix | similar

    def filter(self, queryset, query: Query):
        """The matching rows of ``queryset``, best first (``search_rank``)."""
        conditions: list[Q] = []
        scores: list = []
        if query.email:
            queryset, condition = self.email_condition(queryset, query)
            if condition is not None:
                conditions.append(condition)
        elif query.digits and self.phones is not None:
            queryset = queryset.alias(search_phone=self.phones)
            conditions.append(Q(search_phone__contains=query.digits))
        if not query.email and not query.digits and query.words and self.names:
            for alias, expression in self.names.items():
                queryset = queryset.alias(**{alias: expression})
                # One trigram computation per match and name: ranking is the cost that grows
                # with the number of matches.
                scores.append(TrigramWordSimilarity(Value(query.text), F(alias)))
            if len(query.words) == 1 and len(query.words[0]) >= MIN_PREFIX_LENGTH:
                conditions.append(self.single_word_condition(queryset, query.words[0]))
            else:
                # Every word of the query is found (by word similarity) in one of the names:
                # a BitmapAnd of GIN scans. One word per name would let a common word ("srl")
                # in.
                words = Q()
                for word in query.words:
                    words &= self.word_condition(word)
                conditions.append(words)
        extra = self.extra_conditions(query)
        conditions.extend(extra)
        if not conditions:
            return queryset.none()
        matched = Q()
        for condition in conditions:
            matched |= condition
        # Names rank by similarity to the whole query (an extra exact hit, such as a ticket
        # number, by 1.0); an e-mail or phone query only has exact hits: they rank alike.
        rank_parts = scores + [Case(When(c, then=Value(1.0)), default=Value(0.0)) for c in extra]
        if not scores:
            rank = Value(1.0)
        elif len(rank_parts) == 1:
            rank = rank_parts[0]
        else:
            rank = Greatest(*rank_parts)
        queryset = queryset.alias(
            search_rank=models.ExpressionWrapper(rank, output_field=models.FloatField())
        )
        ordering = ("-search_rank", *self.tiebreak) if scores else self.tiebreak
        return queryset.filter(matched).order_by(*ordering)

    # -- the search box -----------------------------------------------------------------------
    def visible(self, user):
        """The rows the user may read, or ``None`` when the kind is none of their business."""
        model = self.model
        if not model.access.can_list(user) or model.access.read_condition(user) is NO_ROWS:
            return None
        return model.objects.select_related(*self.select_related).visible_to(user)

    def pickable(self, user):
        """The rows a record picker (``core.forms.RecordChoiceField``) offers and accepts: the
        visible ones, less those no new link should point at (e.g. merged records)."""
        return self.visible(user)

    def title(self, obj) -> str:
        return str(obj)

    def describe(self, obj) -> str:
        return ""

    def see_all_url(self, query: Query) -> str:
        return f"{reverse(self.list_url_name)}?{query.querystring}"


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    _providers[provider.key] = provider
    return provider


def providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def provider_by_key(key: str) -> Provider | None:
    return _providers.get(key)


def provider_for(model) -> Provider | None:
    for provider in _providers.values():
        if provider.model is model:
            return provider
    return None


@dataclass
class Hit:
    title: str
    description: str
    url: str


@dataclass
class Group:
    provider: Provider
    hits: list[Hit]
    more: bool  # more matches than shown: offer "see all"
    see_all_url: str

    @property
    def key(self):
        return self.provider.key

    @property
    def label(self):
        return self.provider.label

    @property
    def icon(self):
        return self.provider.icon


def results(user, query: Query, per_group: int = GROUP_SIZE) -> list[Group]:
    """Top matches per kind the user may list: one query per kind, plus one for thresholds."""
    groups = []
    with thresholds():
        for provider in providers():
            queryset = provider.visible(user)
            if queryset is None:
                continue
            rows = list(provider.filter(queryset, query)[: per_group + 1])
            if not rows:
                continue
            hits = [
                Hit(provider.title(o), provider.describe(o), o.get_absolute_url())
                for o in rows[:per_group]
            ]
            groups.append(Group(provider, hits, len(rows) > per_group, provider.see_all_url(query)))
    return groups
