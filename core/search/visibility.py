"""Who finds what: the index entries a person may match, each through its model's own
``visible_to`` (the one visibility rule), and a record's restricted document (its internal
notes) only where the person sees every restricted part through the part model's own
``visible_to``. `core.models.SearchEntry.visibility_filter` is `entry_visibility`."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q

from core.models import SearchAudience
from core.search.declarations import Searchable, owner_attname, searchable_models, spec_of
from core.tenancy.access import VIEW, access_for
from core.tenancy.records import ConcordModel


def _sees_all(queryset: Any) -> bool:
    """Whether a ``visible_to`` queryset is the whole table (a rule of Q())."""
    return not queryset.query.where.children


def _sees_none(queryset: Any) -> bool:
    return bool(queryset.query.is_empty())


def entry_visibility(user: Any) -> Q | None:
    """The index entries `user` may match: for each searchable model, the entries of records
    in ``Model.objects.visible_to(user)``; of those, the restricted document where the user
    sees every restricted part of the record (``Part.objects.visible_to(user)``), else the
    document for everyone. None when they may find nothing."""
    condition: Q | None = None
    for model in searchable_models():
        visible = model.objects.visible_to(user)
        if _sees_none(visible):
            continue
        spec = spec_of(model)
        assert spec is not None
        kind = Q(content_type_id=ContentType.objects.get_for_model(model).pk)
        seen = Q()
        if not _sees_all(visible):
            seen = _councils(user, model) & Q(Exists(visible.filter(pk=OuterRef("object_id"))))
        # The record's visibility inside each audience's arm: checked for each entry the words
        # match (a rare word: a handful), rather than a join from every record the person sees
        # (a council's whole table), which PostgreSQL chose when it stood alone.
        for arm in _audiences(user, spec):
            term = kind & seen & arm
            condition = term if condition is None else condition | term
    return condition


def entry_councils(user: Any, models: Any) -> frozenset[int] | None:
    """The councils of every entry of `models` that `entry_visibility` may let `user` match,
    as the entries carry them (`SearchEntry.partner`; 0 for an entry carrying none): a
    narrowing the database can take before the words' matches are read (SQLite's FTS5 query,
    `core.search.query`). A superset: each entry left is still checked against
    `entry_visibility`. None when no narrowing holds (someone seeing every council's records of
    a kind, or a kind with a rule of its own)."""
    found: set[int] = set()
    for model in models:
        visible = model.objects.visible_to(user)
        if _sees_none(visible):
            continue
        if owner_attname(model) is None:
            found.add(0)  # its entries carry no council
            continue
        if _sees_all(visible):
            return None
        ids = _council_ids(user, model)
        if ids is None:
            return None
        found |= ids
    return frozenset(found)


def _council_ids(user: Any, model: Any) -> set[int] | None:
    """The councils where `user` may view some of `model`'s records, for a model owning each
    record by one council whose rule is the grant tables' own; None for any other model, or
    a reader of every council (no narrowing)."""
    owner = owner_attname(model)
    rule = getattr(model.visibility_filter, "__func__", None)
    if owner is None or rule is not ConcordModel.visibility_filter.__func__:  # type: ignore[attr-defined]
        return None
    access = access_for(user)
    ids = access.partner_ids(VIEW, model.area)
    if ids is None:
        return None
    if model.own_fields:
        ids = ids | access.own_partner_ids(VIEW, model.area)
    return set(ids)


def _councils(user: Any, model: Any) -> Q:
    """The entries of the councils whose records of `model` `user` may see some of, by the
    council each entry carries (an indexed column): a narrowing ahead of the record's own
    visibility rule, which is still checked for every entry left. Only for a model owning each
    record by one council whose rule is the grant tables' own (`ConcordModel.visibility_filter`):
    a person sees none of its records outside those councils. Any other: no narrowing."""
    ids = _council_ids(user, model)
    return Q() if ids is None else Q(partner_id__in=sorted(ids))


def _whole_councils(user: Any, model: Any) -> set[int] | None:
    """The councils where `user` sees every record of `model` (a part model), for a model
    owning each record by one council whose rule is the grant tables' own: there its rule is
    "the record's council is one of these" (`ConcordModel.visibility_filter`), whatever else
    it adds for one's own records. None for any other model."""
    rule = getattr(model.visibility_filter, "__func__", None)
    if owner_attname(model) is None or rule is not ConcordModel.visibility_filter.__func__:  # type: ignore[attr-defined]
        return None
    ids = access_for(user).partner_ids(VIEW, model.area)
    return None if ids is None else set(ids)


def _audiences(user: Any, spec: Searchable) -> list[Q]:
    """The documents of a record `user` matches on, as alternatives: the restricted one where
    they see every restricted part, the one for everyone otherwise."""
    restricted = [part for part in spec.parts if part.restricted is not None]
    everyone = Q(audience=SearchAudience.EVERYONE)
    if not restricted:
        return [everyone]
    unseen: Q | None = None  # the record has a restricted part the user does not see
    sees_every_part = True
    # The councils where the reader sees every restricted part of every model (None: no such
    # shortcut), for the entries carrying the one council owning all their restricted parts.
    covering: set[int] | None = None
    covered_so_far = True
    for part in restricted:
        part_model = part.part_model()
        visible = part_model.objects.visible_to(user)
        if _sees_all(visible):
            continue
        sees_every_part = False
        if _sees_none(visible):
            # They see no part of this model, so a record with restricted parts has one unseen.
            return [everyone]
        # The part model's own rule, negated on the record's parts. PostgreSQL may still
        # choose to hash every restricted part the reader does not see (121,000 notes) rather
        # than probe each match's: `covering` below spares a council's lead the test.
        seen_part = part_model.visibility_filter(user, VIEW)
        assert seen_part is not None  # `_sees_none` above
        hidden = Exists(
            part_model.objects.unscoped("search: restricted parts the reader cannot see")
            .filter(**{part.link_attname(): OuterRef("object_id")})
            .filter(part.restricted)
            .exclude(seen_part)
        )
        unseen = Q(hidden) if unseen is None else unseen | Q(hidden)
        whole = _whole_councils(user, part_model) if covered_so_far else None
        covered_so_far = whole is not None
        covering = whole if covering is None or whole is None else covering & whole
    if sees_every_part or unseen is None:
        return [Q(audience=SearchAudience.RESTRICTED), everyone & Q(has_restricted=False)]
    if covering:
        # Every restricted part of such a record is of a council whose every part the reader
        # sees: nothing of it is hidden, whatever its parts are; the parts are checked only
        # for the others (several councils, none recorded).
        unseen = ~Q(restricted_partner_id__in=sorted(covering)) & unseen
    return [
        everyone & (Q(has_restricted=False) | unseen),
        Q(audience=SearchAudience.RESTRICTED) & ~unseen,
    ]
