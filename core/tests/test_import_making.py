"""A new record made for an import's row without ``Model.__init__`` (core.importing.making) is
the record ``Model()`` makes, for every model: the same attributes in the same order, the same
defaults (the very same object where Django gives one, a fresh one where Django works it out
anew), a fresh state; and a model whose making something listens to is made by ``Model()``."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models.signals import post_init

from core.importing.making import record_maker
from core.testing.sample.models import Room


def made_both_ways(model):
    make = record_maker(model)
    return make(), model(), make


@pytest.mark.parametrize(
    "model", [m for m in apps.get_models() if not m._meta.abstract], ids=lambda m: m._meta.label
)
def test_a_record_made_is_the_one_model_makes(model):
    fast, slow, make = made_both_ways(model)
    if make is model:
        return  # Model() itself
    assert type(fast) is type(slow)
    assert list(fast.__dict__) == list(slow.__dict__)
    for name, value in slow.__dict__.items():
        if name == "_state":
            assert vars(fast._state) == vars(value)
            assert fast._state is not value and fast._state.fields_cache is not value.fields_cache
            continue
        field = model._meta.get_field(name) if name in fast.__dict__ else None
        assert field is None or fast.__dict__[name] == value or callable(field.default), name
        if callable(getattr(field, "default", None)):
            assert type(fast.__dict__[name]) is type(value), name
            if isinstance(value, (list, dict, set)):
                # A default worked out anew is not shared between records.
                assert fast.__dict__[name] is not make().__dict__[name], name
        else:
            assert fast.__dict__[name] is value or fast.__dict__[name] == value, name
    assert fast._state.adding and (fast.pk is None) == (slow.pk is None)


def test_most_models_are_made_without_init():
    models = [m for m in apps.get_models() if not m._meta.abstract]
    assert record_maker(Room) is not Room
    assert sum(record_maker(m) is not m for m in models) > len(models) // 2


def test_a_model_whose_making_is_listened_to_is_made_by_init():
    make = record_maker(Room)
    heard = []

    def listen(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(listen, sender=Room)
    try:
        record = make()
    finally:
        post_init.disconnect(listen, sender=Room)
    assert heard == [record]
