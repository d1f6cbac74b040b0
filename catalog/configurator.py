"""The product configurator: the ONE place where options, values and rules are evaluated.

``evaluate(product, chosen)`` is called by the configurator page, the API and the quotes
(when a configured line is added, its price and description come from here again).

``chosen`` maps an option code to a value code, or to a list of value codes for an option
that takes several values (``{"size": "16", "support": "premium", "addons": ["dock"]}``).
Anything else - an unknown option or value code, a list for a single-value option, a
non-string - is an error in ``result.errors``, never an exception.

How the rules are applied, in this order:

1. **Requires** - "if A then B is required": B is added automatically (``result.required``)
   when B's option can take it (an option with several values, or a single-value option with
   nothing chosen yet). If the single-value option already holds another value, the
   combination is invalid ("… requires Support: Premium, but Support: Basic is chosen").
   Requirements are followed transitively (A requires B requires C adds B and C); a cycle
   (A requires B requires A) simply ends, every value being added at most once.
2. **Excludes** - "if A then B is excluded": A and B together are invalid, whether B was
   chosen or added by a requirement (A excludes what A's requirement B requires -> invalid,
   with a message naming the value that required it).
3. **Required options** - an option marked required without a value is an error.
4. **Price** - ``base price + the chosen values' prices + amount rules`` (each amount rule
   whose ``when`` value is chosen, auto-added values included), then **percent rules**:
   their percentages are *added up* and applied once to that subtotal
   (``+10 %`` and ``-5 %`` make ``+5 %``). The result is rounded half-up to the currency's
   minor unit (``money.quantize``). A price below zero is an error.

``evaluate`` works on a ``ProductSpec`` - a plain, immutable description of the product
loaded in a few queries (``ProductSpec.load``) - so the page can ask "what if this value
were picked?" for every value (``result.disabled``) without touching the database, and the
property-based tests can run it thousands of times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from . import money

REQUIRES, EXCLUDES = "requires", "excludes"
PRICE_PERCENT, PRICE_AMOUNT = "price_percent", "price_amount"
MAX_CODE_LENGTH = 100


# -- the product as the configurator sees it ------------------------------------------------
@dataclass(frozen=True)
class ValueSpec:
    id: int
    code: str
    label: str
    price: Decimal
    option_code: str
    is_default: bool = False


@dataclass(frozen=True)
class OptionSpec:
    id: int
    code: str
    name: str
    multiple: bool
    required: bool
    values: tuple[ValueSpec, ...]


@dataclass(frozen=True)
class RuleSpec:
    id: int
    when: int  # a value id
    effect: str
    target: int | None = None  # a value id (requires / excludes)
    amount: Decimal | None = None  # percent or amount (price rules)


@dataclass(frozen=True)
class ProductSpec:
    id: int | None
    name: str
    base_price: Decimal
    currency: str
    minor_units: int
    options: tuple[OptionSpec, ...]
    rules: tuple[RuleSpec, ...]
    active: bool = True

    @classmethod
    def load(cls, product) -> ProductSpec:
        """The product's options, values and rules in three queries (plus the currency's
        minor unit when ``product.currency`` is not loaded yet)."""
        from .models import ConfigOption, ConfigRule

        options = []
        for option in ConfigOption.objects.filter(product=product).prefetch_related("values"):
            values = tuple(
                ValueSpec(v.pk, v.code, v.label, v.price, option.code, v.is_default)
                for v in option.values.all()
            )
            options.append(
                OptionSpec(
                    option.pk, option.code, option.name, option.multiple, option.required, values
                )  # fmt: skip
            )
        rules = tuple(
            RuleSpec(r.pk, r.when_id, r.effect, r.target_id, r.amount)
            for r in ConfigRule.objects.filter(product=product).order_by("id")
        )
        return cls(
            id=product.pk,
            name=product.name,
            base_price=product.unit_price,
            currency=product.currency_id,
            minor_units=product.currency.minor_units,
            options=tuple(options),
            rules=rules,
            active=product.active,
        )

    # lookups (cached per instance; the dataclass is frozen, so they never go stale)
    @property
    def values_by_id(self) -> dict[int, ValueSpec]:
        cache = self.__dict__.get("_values_by_id")
        if cache is None:
            cache = {v.id: v for o in self.options for v in o.values}
            object.__setattr__(self, "_values_by_id", cache)
        return cache

    @property
    def options_by_code(self) -> dict[str, OptionSpec]:
        cache = self.__dict__.get("_options_by_code")
        if cache is None:
            cache = {o.code: o for o in self.options}
            object.__setattr__(self, "_options_by_code", cache)
        return cache

    def label(self, value_id: int) -> str:
        """ "Support: Premium" - how messages name a value."""
        value = self.values_by_id[value_id]
        return f"{self.options_by_code[value.option_code].name}: {value.label}"

    def priced_in(self, price_book=None, currency: str | None = None) -> ProductSpec:
        """The same product priced in ``price_book`` and/or ``currency`` (``pricing.price_for``
        gives the base price: the book's entry, or the list price converted); value prices
        and amount rules are converted to that currency. ``money.MissingRate`` when a rate
        is missing."""
        from .pricing import price_for

        base, code = price_for(self._product_stub(), price_book, currency=currency)
        if code == self.currency:
            return replace(self, base_price=base)

        # money.convert's arithmetic, with the two rates read once for every amount.
        rate_from, rate_to = money.rate(self.currency), money.rate(code)
        units = money.minor_units(code)

        def conv(amount):
            return money.quantize(amount / rate_from * rate_to, units=units)

        options = tuple(
            replace(o, values=tuple(replace(v, price=conv(v.price)) for v in o.values))
            for o in self.options
        )
        rules = tuple(
            replace(r, amount=conv(r.amount)) if r.effect == PRICE_AMOUNT else r for r in self.rules
        )
        return replace(self, base_price=base, currency=code, minor_units=units,
                       options=options, rules=rules)  # fmt: skip

    def _product_stub(self):
        from .models import Product

        return Product(pk=self.id, unit_price=self.base_price, currency_id=self.currency)


# -- the result -----------------------------------------------------------------------------
@dataclass
class Result:
    spec: ProductSpec
    valid: bool = True
    errors: list[str] = field(default_factory=list)
    price: Decimal = Decimal(0)
    description: str = ""
    chosen_ids: frozenset[int] = frozenset()  # every value in the configuration
    required: dict[int, str] = field(default_factory=dict)  # auto-added value id -> why
    disabled: dict[int, str] = field(default_factory=dict)  # impossible value id -> why
    configuration: dict = field(default_factory=dict)  # normalised chosen, auto-added incl.

    @property
    def currency(self) -> str:
        return self.spec.currency

    def as_dict(self) -> dict:
        """The API's answer."""
        return {
            "valid": self.valid,
            "errors": self.errors,
            "price": str(self.price),
            "currency": self.currency,
            "description": self.description,
            "configuration": self.configuration,
            "required": sorted(self.spec.label(i) for i in self.required),
        }


# -- evaluation -----------------------------------------------------------------------------
def evaluate(
    product, chosen, *, price_book=None, currency: str | None = None, explain_disabled=True
) -> Result:
    """Check and price one configuration of ``product`` (a ``Product`` or a ``ProductSpec``).

    ``price_book`` / ``currency`` (optional, e.g. a quote's) price it there (see
    ``ProductSpec.priced_in``; may raise ``money.MissingRate``). ``explain_disabled=False``
    skips computing ``result.disabled`` (the what-if pass over every other value).
    """
    spec = product if isinstance(product, ProductSpec) else ProductSpec.load(product)
    if price_book is not None or currency:
        spec = spec.priced_in(price_book, currency)
    errors: list[str] = []
    if not spec.active:
        errors.append(f"{spec.name} is no longer sold.")
    picked = _parse(spec, chosen, errors)
    selected, required, rule_errors = _apply_rules(spec, picked)
    errors += rule_errors
    for option in spec.options:
        if option.required and not any(v.id in selected for v in option.values):
            errors.append(f"Choose a value for {option.name}.")

    result = Result(spec=spec, chosen_ids=frozenset(selected), required=required)
    result.description = describe(spec, selected)
    result.configuration = _configuration(spec, selected)
    price = price_of(spec, selected)
    result.price = price
    if price < 0:
        errors.append("These options bring the price below zero; check the option prices.")
    result.errors = _unique(errors)
    result.valid = not result.errors
    if explain_disabled:
        result.disabled = _disabled(spec, picked, selected)
    return result


def default_choice(spec: ProductSpec) -> dict:
    """The values marked default, as a ``chosen`` mapping (the configurator's first state)."""
    chosen = {}
    for option in spec.options:
        codes = [v.code for v in option.values if v.is_default]
        if codes:
            chosen[option.code] = codes if option.multiple else codes[0]
    return chosen


def price_of(spec: ProductSpec, selected: Iterable[int]) -> Decimal:
    """Base + value prices + amount rules, then the sum of the percent rules, rounded."""
    selected = set(selected)
    values = spec.values_by_id
    subtotal = spec.base_price + sum((values[i].price for i in selected), Decimal(0))
    percent = Decimal(0)
    for rule in spec.rules:
        if rule.when not in selected or rule.amount is None:
            continue
        if rule.effect == PRICE_AMOUNT:
            subtotal += rule.amount
        elif rule.effect == PRICE_PERCENT:
            percent += rule.amount
    total = subtotal * (1 + percent / 100)
    return money.quantize(total, units=spec.minor_units)


def describe(spec: ProductSpec, selected: Iterable[int]) -> str:
    """ "Laptop Pro — Size: 15″; Support: Premium; Add-ons: Dock, Case"."""
    selected = set(selected)
    parts = []
    for option in spec.options:
        labels = [v.label for v in option.values if v.id in selected]
        if labels:
            parts.append(f"{option.name}: {', '.join(labels)}")
    return spec.name + (" — " + "; ".join(parts) if parts else "")


def _parse(spec: ProductSpec, chosen, errors: list[str]) -> dict[str, list[int]]:
    """``chosen`` as {option code: [value ids]} in the options' order; problems -> errors."""
    picked: dict[str, list[int]] = {}
    if chosen is None:
        chosen = {}
    if not isinstance(chosen, Mapping):
        errors.append("The configuration must map option codes to value codes.")
        return picked
    for raw_code, raw_value in chosen.items():
        option = spec.options_by_code.get(raw_code) if isinstance(raw_code, str) else None
        if option is None:
            errors.append(f"“{_short(raw_code)}” is not an option of {spec.name}.")
            continue
        if raw_value is None or raw_value == "":
            codes = []
        elif isinstance(raw_value, str):
            codes = [raw_value]
        elif isinstance(raw_value, list | tuple):
            codes = [c for c in raw_value if c not in ("", None)]
        else:
            errors.append(f"{option.name}: give a value code.")
            continue
        if len(codes) > 1 and not option.multiple:
            errors.append(f"{option.name} takes one value only.")
            continue
        by_code = {v.code: v.id for v in option.values}
        ids = []
        for code in codes:
            if not isinstance(code, str) or code not in by_code:
                errors.append(f"“{_short(code)}” is not a value of {option.name}.")
            elif by_code[code] not in ids:
                ids.append(by_code[code])
        picked[option.code] = ids
    return picked


def _apply_rules(spec: ProductSpec, picked: dict[str, list[int]]):
    """Follow the requires rules from the picked values, then check the excludes rules.

    Returns (every selected value id, {auto-added id: reason}, [errors])."""
    values = spec.values_by_id
    options = spec.options_by_code
    selected = {i for ids in picked.values() for i in ids}
    occupied = {code: set(ids) for code, ids in picked.items()}  # per option
    required: dict[int, str] = {}
    required_by: dict[int, int] = {}
    errors: list[str] = []
    requires = [r for r in spec.rules if r.effect == REQUIRES and _known(spec, r)]
    excludes = [r for r in spec.rules if r.effect == EXCLUDES and _known(spec, r)]

    queue = sorted(selected)
    while queue:
        current = queue.pop(0)
        for rule in requires:
            if rule.when != current or rule.target in selected:
                continue
            target = values[rule.target]
            option = options[target.option_code]
            taken = occupied.setdefault(option.code, set())
            if taken and not option.multiple:
                other = values[min(taken)]
                errors.append(
                    f"{spec.label(current)} requires {spec.label(target.id)}, but "
                    f"{option.name}: {other.label} is chosen."
                )
                continue
            taken.add(target.id)
            selected.add(target.id)
            required[target.id] = f"Required by {spec.label(current)}"
            required_by[target.id] = current
            queue.append(target.id)

    for rule in excludes:
        if rule.when in selected and rule.target in selected:
            message = f"{spec.label(rule.when)} excludes {spec.label(rule.target)}"
            if rule.target in required_by:
                message += f", which {spec.label(required_by[rule.target])} requires"
            elif rule.when in required_by:
                message += f" (it is required by {spec.label(required_by[rule.when])})"
            errors.append(message + ".")
    return selected, required, errors


def _disabled(spec: ProductSpec, picked, selected) -> dict[int, str]:
    """Values that would make the configuration invalid if picked now, with the reason:
    the rule errors that picking each one (instead of its single-value option's current
    value) would cause. Required-option gaps do not count: picking a value never fills
    another option."""
    _, _, baseline = _apply_rules(spec, picked)
    baseline = set(baseline)
    disabled = {}
    for option in spec.options:
        for value in option.values:
            if value.id in selected:
                continue
            trial = dict(picked)
            if option.multiple:
                trial[option.code] = [*picked.get(option.code, []), value.id]
            else:
                trial[option.code] = [value.id]
            _, _, errors = _apply_rules(spec, trial)
            new = [e for e in errors if e not in baseline]
            if new:
                disabled[value.id] = new[0]
    return disabled


def _configuration(spec: ProductSpec, selected) -> dict:
    config = {}
    for option in spec.options:
        codes = [v.code for v in option.values if v.id in selected]
        if codes:
            config[option.code] = codes if option.multiple else codes[0]
    return config


def _known(spec: ProductSpec, rule: RuleSpec) -> bool:
    return rule.when in spec.values_by_id and rule.target in spec.values_by_id


def _short(value) -> str:
    return str(value)[:MAX_CODE_LENGTH]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
