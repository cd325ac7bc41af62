"""The splitting arithmetic (finance/arithmetic.py): largest remainder to the penny, its tie
rule, pro-rating, the weighted mix and the spreading of a cost over days; properties checked
with hypothesis."""

import datetime
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance.arithmetic import (
    SplitError,
    Splitter,
    apportion,
    mix,
    pennies,
    pro_rata_weight,
    spread,
)

amounts = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2, allow_nan=False
)
weights = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=3)
councils = st.dictionaries(
    st.text(alphabet="abcdefghijklmnop", min_size=1, max_size=4), weights, min_size=1, max_size=30
).filter(lambda mapping: sum(mapping.values()) > 0)


@given(amounts, councils)
def test_shares_add_up_to_the_amount_to_the_penny(amount: Decimal, weights: dict) -> None:
    shares = apportion(amount, weights)
    assert set(shares) == set(weights)
    assert sum(shares.values()) == amount
    assert all(share == share.quantize(Decimal("0.01")) for share in shares.values())


@given(amounts, councils)
def test_never_negative_for_a_non_negative_amount(amount: Decimal, weights: dict) -> None:
    shares = apportion(abs(amount), weights)
    assert all(share >= 0 for share in shares.values())
    assert all(shares[key] == 0 for key, weight in weights.items() if weight == 0)


@given(amounts, councils, st.randoms(use_true_random=False))
def test_the_order_of_the_councils_does_not_matter(
    amount: Decimal, weights: dict, shuffler: random.Random
) -> None:
    items = list(weights.items())
    shuffler.shuffle(items)
    assert apportion(amount, dict(items)) == apportion(amount, weights)


@given(amounts, councils)
def test_a_credit_is_minus_the_charge(amount: Decimal, weights: dict) -> None:
    charge = apportion(abs(amount), weights)
    credit = apportion(-abs(amount), weights)
    assert credit == {key: -share for key, share in charge.items()}


@given(amounts, councils)
def test_each_share_is_within_a_penny_of_the_exact_share(amount: Decimal, weights: dict) -> None:
    shares = apportion(amount, weights)
    total = sum(weights.values())
    for key, weight in weights.items():
        exact = Fraction(amount) * Fraction(weight) / Fraction(total)
        assert abs(Fraction(shares[key]) - exact) < Fraction(1, 100)


def test_the_tie_rule_larger_weight_then_key_text() -> None:
    # 0.10 in three equal thirds: the penny left over goes to the first key by its text.
    assert apportion(Decimal("0.10"), {"c": 1, "a": 1, "b": 1}) == {
        "a": Decimal("0.04"),
        "b": Decimal("0.03"),
        "c": Decimal("0.03"),
    }
    # Equal remainders (each exact share ends in half a penny): the larger weight wins first.
    shares = apportion(Decimal("0.03"), {"small": Decimal(1), "big": Decimal(3), "z": Decimal(2)})
    assert shares == {"big": Decimal("0.02"), "z": Decimal("0.01"), "small": Decimal("0.00")}
    assert sum(shares.values()) == Decimal("0.03")


def test_largest_remainder_gets_the_spare_penny() -> None:
    # 100.00 by 1:1:1 -> 33.33 each and a penny left; by 2:1 of 1.00 -> 0.67 / 0.33.
    assert apportion(Decimal("1.00"), {"x": 2, "y": 1}) == {
        "x": Decimal("0.67"),
        "y": Decimal("0.33"),
    }
    assert apportion(Decimal("0.05"), {"x": Decimal("0.4"), "y": Decimal("0.6")}) == {
        "x": Decimal("0.02"),
        "y": Decimal("0.03"),
    }


@pytest.mark.parametrize(
    ("amount", "weights", "message"),
    [
        (Decimal("1.00"), {"a": 0, "b": 0}, "Every weight is zero"),
        (Decimal("1.00"), {}, "Every weight is zero"),
        (Decimal("1.00"), {"a": -1, "b": 2}, "The weight of a is negative"),
        (Decimal("1.005"), {"a": 1}, "more than two decimal places"),
        (Decimal("NaN"), {"a": 1}, "finite"),
    ],
)
def test_what_cannot_be_split(amount: Decimal, weights: dict, message: str) -> None:
    with pytest.raises(SplitError, match=message):
        apportion(amount, weights)
    assert issubclass(SplitError, ValueError)


def test_a_splitter_is_the_same_split_for_many_amounts() -> None:
    splitter = Splitter({"a": Decimal("33.3"), "b": Decimal("33.3"), "c": Decimal("33.4")})
    for count in range(-500, 500):
        amount = Decimal(count) / 100
        assert splitter.split(amount) == apportion(amount, splitter_weights(splitter))
        assert sum(splitter.split_pennies(count)) == count


def splitter_weights(splitter: Splitter) -> dict:
    return {key: Decimal(whole) for key, whole in zip(splitter.keys, splitter.whole, strict=True)}


def test_pennies() -> None:
    assert pennies(Decimal("12.30")) == 1230
    assert pennies(Decimal("-0.01")) == -1
    assert pennies(7) == 700
    with pytest.raises(SplitError):
        pennies(Decimal("0.001"))


@given(weights, st.integers(min_value=1, max_value=92), st.data())
def test_pro_rata_counts_member_days_only(
    weight: Decimal, period: int, data: st.DataObject
) -> None:
    member = data.draw(st.integers(min_value=0, max_value=period))
    result = pro_rata_weight(weight, member, period)
    assert result == Fraction(weight) * member / period
    assert pro_rata_weight(weight, period, period) == Fraction(weight)
    assert pro_rata_weight(weight, 0, period) == 0


def test_pro_rata_in_a_month() -> None:
    # A council joining on 15 January counts for 17 of January's 31 days.
    assert pro_rata_weight(Decimal("31"), 17, 31) == 17
    with pytest.raises(SplitError):
        pro_rata_weight(1, 32, 31)
    with pytest.raises(SplitError):
        pro_rata_weight(1, 1, 0)


def test_mix_of_drivers() -> None:
    weights = mix(
        {
            "tickets": {"a": Decimal(300), "b": Decimal(100)},
            "devices": {"a": Decimal(10), "b": Decimal(30)},
        },
        {"tickets": Decimal(50), "devices": Decimal(50)},
    )
    # a: 50 * 3/4 + 50 * 1/4 = 50; b: 50 * 1/4 + 50 * 3/4 = 50.
    assert weights == {"a": Fraction(50), "b": Fraction(50)}
    assert apportion(Decimal("100.01"), weights) == {"a": Decimal("50.01"), "b": Decimal("50.00")}
    with pytest.raises(SplitError, match="devices"):
        mix({"devices": {"a": Decimal(0)}}, {"devices": Decimal(100)})


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.decimals(min_value=Decimal("0.1"), max_value=Decimal("1000"), places=1),
        min_size=1,
    ),
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.decimals(min_value=Decimal("0.1"), max_value=Decimal("1000"), places=1),
        min_size=1,
    ),
    st.integers(min_value=1, max_value=99),
)
def test_mix_weights_add_up_to_the_component_weights(
    tickets: dict, devices: dict, percent: int
) -> None:
    weights = mix(
        {"tickets": tickets, "devices": devices}, {"tickets": percent, "devices": 100 - percent}
    )
    assert sum(weights.values()) == 100
    assert all(weight >= 0 for weight in weights.values())


@given(
    amounts,
    st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2027, 12, 31)),
    st.integers(min_value=0, max_value=400),
    st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=10),
)
def test_a_cost_spread_over_consecutive_periods_adds_up(
    amount: Decimal, start: datetime.date, length: int, cuts: list[int]
) -> None:
    end = start + datetime.timedelta(days=length)
    parts: list[Decimal] = []
    day = start - datetime.timedelta(days=5)
    while day <= end + datetime.timedelta(days=5):
        last = day + datetime.timedelta(days=cuts[len(parts) % len(cuts)] - 1)
        parts.append(spread(amount, start, end, day, last))
        day = last + datetime.timedelta(days=1)
    assert sum(parts) == amount
    assert all((part >= 0) == (amount >= 0) or part == 0 for part in parts)


def test_spread_by_days() -> None:
    year = (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    # 365.00 for a year: 30.00 for April's 30 days; nothing outside the year.
    assert spread(
        Decimal("365.00"), *year, datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)
    ) == Decimal("30.00")
    assert spread(
        Decimal("365.00"), *year, datetime.date(2027, 4, 1), datetime.date(2027, 4, 30)
    ) == Decimal("0.00")
