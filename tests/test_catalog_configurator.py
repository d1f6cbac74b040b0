"""The configurator service (``catalog.configurator.evaluate``): the demo workstation's rules
by example, then properties over random products with random rules (hypothesis), and the
product loaded from the database."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import money
from catalog.configurator import (
    EXCLUDES,
    PRICE_AMOUNT,
    PRICE_PERCENT,
    REQUIRES,
    OptionSpec,
    ProductSpec,
    RuleSpec,
    ValueSpec,
    default_choice,
    evaluate,
)
from catalog.models import ExchangeRate

from .factories import ConfigurableProductFactory, CurrencyFactory, PriceBookFactory

D = Decimal


# -- the demo workstation, in memory --------------------------------------------------------------
def _workstation() -> ProductSpec:
    def values(option, rows):
        return tuple(
            ValueSpec(id_, code, label, D(price), option, default)
            for id_, code, label, price, default in rows
        )

    size = OptionSpec(
        1,
        "size",
        "Size",
        False,
        True,
        values(
            "size",
            [
                (11, "14", "14″", "0", True),
                (12, "16", "16″", "400", False),
                (13, "18", "18″", "900", False),
            ],
        ),
    )
    support = OptionSpec(
        2,
        "support",
        "Support level",
        False,
        True,
        values(
            "support",
            [
                (21, "basic", "Basic", "0", True),
                (22, "business", "Business", "300", False),
                (23, "premium", "Premium", "750", False),
            ],
        ),
    )
    addons = OptionSpec(3, "addons", "Add-ons", True, False, values("addons", [
        (31, "dock", "Docking station", "250", False), (32, "case", "Carry case", "60", False),
        (33, "battery", "Extra battery", "180", False), (34, "cooling", "Cooling pad", "45", False),
        (35, "onsite", "On-site installation", "500", False)]))  # fmt: skip
    rules = (
        RuleSpec(1, 13, REQUIRES, 34),
        RuleSpec(2, 13, EXCLUDES, 33),
        RuleSpec(3, 21, EXCLUDES, 35),
        RuleSpec(4, 35, PRICE_AMOUNT, amount=D("120")),
        RuleSpec(5, 23, PRICE_PERCENT, amount=D("8")),
    )
    return ProductSpec(1, "GTK 500 Workstation", D("5000.00"), "USD", 2,
                       (size, support, addons), rules)  # fmt: skip


WS = _workstation()


def test_defaults_are_valid_and_priced():
    result = evaluate(WS, default_choice(WS))
    assert result.valid and result.errors == []
    assert result.price == D("5000.00")
    assert result.description == "GTK 500 Workstation — Size: 14″; Support level: Basic"
    assert result.configuration == {"size": "14", "support": "basic"}


def test_a_full_configuration_in_the_documented_order():
    result = evaluate(WS, {"size": "16", "support": "premium", "addons": ["dock", "onsite"]})
    assert result.valid
    # (5000 + 400 + 750 + 250 + 500) + 120 (amount rule) = 7020, then +8 % = 7581.60
    assert result.price == D("7581.60")
    assert result.description == (
        "GTK 500 Workstation — Size: 16″; Support level: Premium; "
        "Add-ons: Docking station, On-site installation"
    )


def test_requires_adds_the_value_and_explains_it():
    result = evaluate(WS, {"size": "18", "support": "basic"})
    assert result.valid
    assert 34 in result.chosen_ids
    assert result.required == {34: "Required by Size: 18″"}
    assert result.configuration["addons"] == ["cooling"]
    assert result.price == D("5945.00")  # 5000 + 900 + 45
    # what is impossible now, and why
    assert result.disabled[33] == "Size: 18″ excludes Add-ons: Extra battery."
    assert result.disabled[35] == "Support level: Basic excludes Add-ons: On-site installation."
    assert 23 not in result.disabled  # premium is fine


def test_excludes_and_unknown_codes_are_errors_not_exceptions():
    result = evaluate(WS, {"size": "18", "support": "basic", "addons": ["battery", "onsite"]})
    assert not result.valid
    assert "Size: 18″ excludes Add-ons: Extra battery." in result.errors
    assert "Support level: Basic excludes Add-ons: On-site installation." in result.errors

    cases = [
        ({"colour": "red", "size": "14", "support": "basic"},
         "“colour” is not an option of GTK 500 Workstation."),
        ({"size": "99", "support": "basic"}, "“99” is not a value of Size."),
        ({"size": ["14", "16"], "support": "basic"}, "Size takes one value only."),
        ({"size": 14, "support": "basic"}, "Size: give a value code."),
        ({"size": "14"}, "Choose a value for Support level."),
        ({"size": "14", "support": "basic", "addons": [{"x": 1}]},
         "“{'x': 1}” is not a value of Add-ons."),
        (["size"], "The configuration must map option codes to value codes."),
        ("size=14", "The configuration must map option codes to value codes."),
    ]  # fmt: skip
    for chosen, message in cases:
        result = evaluate(WS, chosen)
        assert not result.valid, chosen
        assert message in result.errors, (chosen, result.errors)


def test_a_requirement_against_a_chosen_single_value_is_refused():
    spec = _with_rules(WS, RuleSpec(9, 13, REQUIRES, 23))  # 18″ requires Premium
    result = evaluate(spec, {"size": "18", "support": "basic"})
    assert result.errors == [
        "Size: 18″ requires Support level: Premium, but Support level: Basic is chosen."
    ]
    # … and with nothing chosen there, Premium is added (with its +8 %).
    result = evaluate(spec, {"size": "18"})
    assert result.valid and {23, 34} <= result.chosen_ids
    assert result.price == money.quantize(D("6695") * D("1.08"), units=2)
    # Basic is what would break it now; it says why.
    assert result.disabled[21].startswith("Size: 18″ requires Support level: Premium")


def test_requirement_chains_and_cycles():
    # dock requires case requires battery requires dock: a cycle ends, everything added once.
    spec = _with_rules(
        WS, RuleSpec(9, 31, REQUIRES, 32), RuleSpec(10, 32, REQUIRES, 33),
        RuleSpec(11, 33, REQUIRES, 31),
    )  # fmt: skip
    result = evaluate(spec, {"size": "14", "support": "basic", "addons": ["dock"]})
    assert result.valid
    assert {31, 32, 33} <= result.chosen_ids
    assert set(result.required) == {32, 33}
    # 18″ excludes the battery that the dock's chain requires: invalid, and it says why.
    result = evaluate(spec, {"size": "18", "support": "basic", "addons": ["dock"]})
    assert not result.valid
    assert result.errors == [
        "Size: 18″ excludes Add-ons: Extra battery, which Add-ons: Carry case requires."
    ]


def test_a_price_below_zero_is_refused():
    spec = _with_rules(WS, RuleSpec(9, 11, PRICE_PERCENT, amount=D("-150")))
    result = evaluate(spec, {"size": "14", "support": "basic"})
    assert not result.valid
    assert result.price < 0
    assert "These options bring the price below zero; check the option prices." in result.errors


def test_rounding_after_percent_rules_uses_the_minor_unit():
    spec = _with_rules(WS, RuleSpec(9, 11, PRICE_PERCENT, amount=D("0.333")))
    result = evaluate(spec, {"size": "14", "support": "basic"})
    assert result.price == D("5016.65")  # 5016.65 exactly: 5000 × 1.00333
    yen = replace(WS, currency="JPY", minor_units=0, base_price=D("1001"))
    yen = _with_rules(yen, RuleSpec(9, 11, PRICE_PERCENT, amount=D("5")))
    assert evaluate(yen, {"size": "14", "support": "basic"}).price == D("1051")  # 1051.05


def _with_rules(spec, *rules):
    return replace(spec, rules=spec.rules + rules)


# -- properties over random products --------------------------------------------------------------
PRICES = st.decimals(min_value=0, max_value=2000, places=2, allow_nan=False)
AMOUNTS = st.decimals(min_value=-300, max_value=300, places=2, allow_nan=False)
PERCENTS = st.decimals(min_value=-60, max_value=60, places=1, allow_nan=False)


@st.composite
def products(draw):
    options, next_id = [], 1
    for o in range(draw(st.integers(1, 4))):
        values = []
        for v in range(draw(st.integers(1, 4))):
            values.append(ValueSpec(next_id, f"v{v}", f"V{o}.{v}", draw(PRICES), f"o{o}"))
            next_id += 1
        options.append(
            OptionSpec(
                o + 1,
                f"o{o}",
                f"Option {o}",
                draw(st.booleans()),
                draw(st.booleans()),
                tuple(values),
            )  # fmt: skip
        )
    ids = [v.id for o in options for v in o.values]
    rules = []
    for r in range(draw(st.integers(0, 6))):
        effect = draw(st.sampled_from([REQUIRES, EXCLUDES, PRICE_PERCENT, PRICE_AMOUNT]))
        when = draw(st.sampled_from(ids))
        if effect in (REQUIRES, EXCLUDES):
            rules.append(RuleSpec(r + 1, when, effect, draw(st.sampled_from(ids))))
        else:
            amount = draw(PERCENTS if effect == PRICE_PERCENT else AMOUNTS)
            rules.append(RuleSpec(r + 1, when, effect, amount=amount))
    base = draw(st.decimals(min_value=0, max_value=10000, places=2, allow_nan=False))
    units = draw(st.sampled_from([0, 2, 3]))
    return ProductSpec(1, "Random", base, "XXX", units, tuple(options), tuple(rules))


@st.composite
def configurations(draw):
    """A product and a choice over it: per option nothing, one or several value codes."""
    spec = draw(products())
    chosen = {}
    for option in spec.options:
        codes = [v.code for v in option.values]
        picked = draw(st.lists(st.sampled_from(codes), max_size=len(codes), unique=True))
        if not picked and draw(st.booleans()):
            continue
        chosen[option.code] = picked if (option.multiple or len(picked) != 1) else picked[0]
    return spec, chosen


def _expected_price(spec, ids):
    values = spec.values_by_id
    subtotal = spec.base_price + sum((values[i].price for i in ids), D(0))
    percent = D(0)
    for rule in spec.rules:
        if rule.when in ids and rule.effect == PRICE_AMOUNT:
            subtotal += rule.amount
        if rule.when in ids and rule.effect == PRICE_PERCENT:
            percent += rule.amount
    return money.quantize(subtotal * (1 + percent / 100), units=spec.minor_units)


def _violations(spec, ids):
    """Every rule or option constraint the set of values breaks."""
    broken = []
    for rule in spec.rules:
        if rule.effect == REQUIRES and rule.when in ids and rule.target not in ids:
            broken.append(rule)
        if rule.effect == EXCLUDES and rule.when in ids and rule.target in ids:
            broken.append(rule)
    for option in spec.options:
        count = sum(v.id in ids for v in option.values)
        if (option.required and count == 0) or (not option.multiple and count > 1):
            broken.append(option)
    return broken


FAST = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@FAST
@given(configurations())
def test_a_valid_configuration_keeps_every_rule_and_costs_what_the_rules_say(case):
    spec, chosen = case
    result = evaluate(spec, chosen)
    if not result.valid:
        assert result.errors  # an invalid configuration always says why
        return
    ids = set(result.chosen_ids)
    assert result.price == _expected_price(spec, ids)
    assert result.price >= 0
    assert _violations(spec, ids) == []
    # Everything the user picked is in it; the rest was added by requires rules.
    assert _picked_ids(spec, chosen) <= ids
    assert set(result.required) == ids - _picked_ids(spec, chosen)
    # Evaluating the normalised configuration again gives the same answer.
    again = evaluate(spec, result.configuration)
    assert again.valid and again.chosen_ids == result.chosen_ids and again.price == result.price


@FAST
@given(configurations())
def test_an_invalid_configuration_is_really_invalid(case):
    """Invalid only for a reason: a broken rule or option, or a price below zero."""
    spec, chosen = case
    result = evaluate(spec, chosen)
    if result.valid:
        return
    assert result.errors
    ids = set(result.chosen_ids)
    picked = _picked_ids(spec, chosen)
    conflict = any(
        r.effect == REQUIRES and r.when in ids and r.target not in ids for r in spec.rules
    )
    too_many = any(
        not o.multiple and sum(v.code in _as_list(chosen.get(o.code)) for v in o.values) > 1
        for o in spec.options
    )
    assert _violations(spec, ids) or conflict or too_many or result.price < 0, (
        chosen,
        picked,
        result.errors,
    )


@FAST
@given(configurations())
def test_disabled_values_would_break_a_rule_and_the_others_would_not(case):
    spec, chosen = case
    result = evaluate(spec, chosen)
    for option in spec.options:
        for value in option.values:
            if value.id in result.chosen_ids:
                continue
            trial = dict(chosen)
            if option.multiple:
                trial[option.code] = [*_as_list(chosen.get(option.code)), value.code]
            else:
                trial[option.code] = value.code
            after = evaluate(spec, trial, explain_disabled=False)
            if value.id in result.disabled:
                assert not after.valid
                assert result.disabled[value.id] in after.errors
            elif result.valid:
                # Picking it breaks no rule; it may only leave an option empty whose value
                # came with the value it replaces, or push the price below zero.
                assert all(
                    e.startswith("Choose a value for") or "below zero" in e for e in after.errors
                ), (trial, after.errors)


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _picked_ids(spec, chosen):
    ids = set()
    for code, value in chosen.items():
        option = spec.options_by_code[code]
        by_code = {v.code: v.id for v in option.values}
        ids |= {by_code[c] for c in _as_list(value) if c in by_code}
    return ids


# -- from the database ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_stored_product_is_loaded_in_a_few_queries_and_evaluated_the_same():
    product = ConfigurableProductFactory()
    product.refresh_from_db()
    with CaptureQueriesContext(connection) as ctx:
        result = evaluate(product, {"size": "18", "support": "premium", "addons": ["dock"]})
    assert len(ctx.captured_queries) <= 4  # options, values, rules (+ the currency)
    assert result.valid
    # (5000 + 900 + 750 + 250 + 45) × 1.08
    assert result.price == D("7500.60")
    assert result.description == (
        "GTK 500 Workstation — Size: 18″; Support level: Premium; "
        "Add-ons: Docking station, Cooling pad"
    )


@pytest.mark.django_db
def test_priced_in_a_price_book_of_another_currency():
    product = ConfigurableProductFactory()
    eur = CurrencyFactory(code="EUR")
    ExchangeRate.objects.create(currency=eur, rate=D("0.5"), valid_from="2000-01-01")
    book = PriceBookFactory(currency=eur)
    book.entries.create(product=product, unit_price=D("2400.00"))
    result = evaluate(product, {"size": "16", "support": "basic"}, price_book=book)
    assert result.valid and result.currency == "EUR"
    assert result.price == D("2600.00")  # the book's 2400 + 400 USD as 200 EUR
    # Without a rate, a clear error (the API answers it with a 400).
    gbp_book = PriceBookFactory(currency=CurrencyFactory(code="GBP"))
    with pytest.raises(money.MissingRate):
        evaluate(product, {"size": "16", "support": "basic"}, price_book=gbp_book)
