"""SCIM 2.0 provisioning (RFC 7643, 7644) per council: ``/scim/v2/``, a bearer token per council.

A council's directory (Microsoft Entra ID's provisioning, or any SCIM client) creates, updates,
switches off and deletes that council's people and groups here. Its token reaches only the
resources it provisioned, in its own council. What a person's groups map to (the provider's
``group_roles``, by a group's displayName or externalId) are their roles in that council.
``active: false`` switches the person off at once (identity.services.deactivate: sessions and
API tokens end); DELETE switches them off and removes their roles in the council (the account
stays, for the records that name it). Every change is in the change log: accounts and
memberships as themselves, each SCIM resource written as an event of the council.

Parsing, validation, PATCH and filters are scim2-models'; resources are kept as sent
(`identity.models.ScimResource.data`), so what a directory wrote is what it reads back.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    Error,
    ETag,
    Filter,
    Group,
    GroupMembership,
    ListResponse,
    Meta,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    SCIMException,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    User,
)

from core.changelog import record_event
from core.context import acting_as
from core.models import ChangeAction
from core.tenancy.models import User as Account
from core.tenancy.scoping import system_scope
from identity.models import IdentityProvider, ScimResource, ScimToken

CONTENT_TYPE = "application/scim+json"
UserModel = User[EnterpriseUser]
MODELS: dict[str, Any] = {"Users": UserModel, "Groups": Group}
KINDS = {"Users": ScimResource.USER, "Groups": ScimResource.GROUP}
DEFAULT_COUNT = 100
MAX_COUNT = 200


# Tokens --------------------------------------------------------------------------------------


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_token(provider: IdentityProvider) -> str:
    """A new SCIM token for `provider`'s council (its earlier ones keep working until
    removed): the key, to show once."""
    key = f"scim_{secrets.token_urlsafe(32)}"
    token = ScimToken.objects.create(provider=provider, key_hash=_digest(key))
    record_event(token, ChangeAction.CREATE, None, {"provider": provider.slug}, _councils(provider))
    return key


def _provider_of(request: HttpRequest) -> IdentityProvider | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    token = (
        ScimToken.objects.select_related("provider", "provider__partner")
        .filter(key_hash=_digest(key.strip()))
        .first()
    )
    if token is None or token.provider.partner is None or not token.provider.enabled:
        return None
    if token.provider.partner.has_left():
        return None
    ScimToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.provider


def _councils(provider: IdentityProvider) -> list[int]:
    return [provider.partner_id] if provider.partner_id else []


def _of(generic: Any, model: Any) -> Any:
    """`generic` (a scim2-models message) for `model`, chosen at run time."""
    return generic[model]


# Responses -----------------------------------------------------------------------------------


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    error = Error(status=status, detail=detail, scim_type=scim_type)
    return _json(error.model_dump(scim_ctx=Context.DEFAULT, exclude_none=True), status)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("identity:scim_root")).rstrip("/")


def _to_model(request: HttpRequest, resource: ScimResource) -> Any:
    model: Any = UserModel if resource.kind == ScimResource.USER else Group
    obj: Any = model.model_validate(resource.data)
    obj.id = str(resource.scim_id)
    plural = "Users" if resource.kind == ScimResource.USER else "Groups"
    obj.meta = Meta(
        resource_type=resource.kind,
        created=resource.created_at,
        last_modified=resource.updated_at,
        location=f"{_base(request)}/{plural}/{resource.scim_id}",
        version=f'W/"{resource.version}"',
    )
    if resource.kind == ScimResource.USER:
        groups = [
            GroupMembership(
                value=str(g.scim_id),
                display=g.name,
                ref=f"{_base(request)}/Groups/{g.scim_id}",  # type: ignore[arg-type]
                type="direct",
            )
            for g in resource.member_of.all()
        ]
        obj.groups = groups or None
    return obj


def _stored(obj: Any) -> dict[str, Any]:
    """What is kept of a resource: as sent, without what the server owns."""
    data = obj.model_dump(scim_ctx=None, mode="json", by_alias=True, exclude_none=True)
    for key in ("id", "meta", "groups"):
        data.pop(key, None)
    return dict(data)


def _dump(obj: Any, ctx: Context, params: Any = None) -> dict[str, Any]:
    return dict(obj.model_dump(scim_ctx=ctx, response_parameters=params))


# What a resource makes of a person ------------------------------------------------------------


def _primary_email(obj: Any) -> str:
    emails = getattr(obj, "emails", None) or []
    chosen = next(
        (e for e in emails if getattr(e, "primary", False)), emails[0] if emails else None
    )
    value = str(getattr(chosen, "value", "") or "") if chosen else ""
    if not value and "@" in (obj.user_name or ""):
        value = obj.user_name
    return value.strip().lower()[:254]


def _apply_to_account(provider: IdentityProvider, resource: ScimResource, obj: Any) -> None:
    """Create or bring up to date the account of a User resource, and its active state."""
    from identity.services import deactivate, unique_username

    user = resource.user
    email = _primary_email(obj)
    name = getattr(obj, "name", None)
    first = str(getattr(name, "given_name", "") or "")[:150]
    last = str(getattr(name, "family_name", "") or "")[:150]
    if user is None:
        user = Account(username=unique_username(provider, obj.user_name or email or "person"))
        user.set_unusable_password()
    changed = user.pk is None
    for field, value in (("email", email), ("first_name", first), ("last_name", last)):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed = True
    active = obj.active is not False
    if active and not user.is_active:
        user.is_active, changed = True, True
    if changed:
        user.save()
    resource.user = user
    if not active and user.is_active:
        deactivate(user)


def _sync_roles(provider: IdentityProvider, users: list[ScimResource]) -> None:
    """Each person's roles in the council: exactly what their groups map to."""
    from identity.services import set_memberships

    mapping = provider.role_map()
    for resource in users:
        if resource.user is None:
            continue
        roles = set()
        for group in resource.member_of.all():
            for key in (group.name, group.external_id, str(group.scim_id)):
                if key and key in mapping:
                    roles.add(mapping[key])
        set_memberships(resource.user, provider.partner, sorted(roles))


def _log(provider: IdentityProvider, resource: ScimResource, action: str) -> None:
    after = (
        None if action == ChangeAction.DELETE else {"kind": resource.kind, "name": resource.name}
    )
    before = (
        {"kind": resource.kind, "name": resource.name} if action == ChangeAction.DELETE else None
    )
    record_event(
        resource,
        action,
        before,
        after,
        _councils(provider),
        name=f"SCIM {resource.kind} {resource.name}",
    )


def _members_of(provider: IdentityProvider, obj: Any) -> list[ScimResource]:
    ids = []
    for member in getattr(obj, "members", None) or []:
        try:
            ids.append(uuid.UUID(str(member.value)))
        except (TypeError, ValueError) as error:
            raise _Refused(400, f"No such member: {member.value}", "invalidValue") from error
    found = list(
        ScimResource.objects.filter(provider=provider, kind=ScimResource.USER, scim_id__in=ids)
    )
    if len(found) != len(set(ids)):
        raise _Refused(400, "A member is not a person of this council", "invalidValue")
    return found


class _Refused(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def _save(
    request: HttpRequest, provider: IdentityProvider, resource: ScimResource, obj: Any
) -> ScimResource:
    """Keep `obj` as `resource` (new or not), with what it makes of people; logged."""
    created = resource.pk is None
    before_members: set[int] = set()
    if resource.kind == ScimResource.USER:
        resource.name = obj.user_name or ""
        if not resource.name.strip():
            raise _Refused(400, "userName is required", "invalidValue")
    else:
        resource.name = obj.display_name or ""
        if not resource.name.strip():
            raise _Refused(400, "displayName is required", "invalidValue")
        if not created:
            before_members = set(resource.members.values_list("pk", flat=True))
    resource.name_key = resource.name.lower()[:255]
    resource.name = resource.name[:255]
    resource.external_id = str(obj.external_id or "")[:255]
    resource.data = _stored(obj)
    if not created:
        resource.version += 1
    if resource.kind == ScimResource.USER:
        _apply_to_account(provider, resource, obj)
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError as error:
        raise _Refused(409, "A person with this userName already exists", "uniqueness") from error
    _log(provider, resource, ChangeAction.CREATE if created else ChangeAction.UPDATE)
    if resource.kind == ScimResource.GROUP:
        members = _members_of(provider, obj)
        resource.members.set(members)
        touched = set(before_members) | {m.pk for m in members}
        _sync_roles(provider, list(ScimResource.objects.filter(pk__in=touched)))
    else:
        _sync_roles(provider, [resource])
    return resource


# The endpoint --------------------------------------------------------------------------------


@csrf_exempt
def endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every SCIM request of a council's directory: `path` below /scim/v2/."""
    with system_scope("SCIM: a council's directory, scoped to its provider below"):
        provider = _provider_of(request)
        if provider is None:
            response = _error(401, "Send this council's SCIM token: Authorization: Bearer <token>")
            response["WWW-Authenticate"] = 'Bearer realm="scim"'
            return response
        with acting_as(label=f"scim:{provider.slug}"):
            try:
                with transaction.atomic():
                    return _route(request, provider, [p for p in path.split("/") if p])
            except _Refused as refused:
                return _error(refused.status, refused.detail, refused.scim_type)
            except SCIMException as error:
                return _json(_dump(error.to_error(), Context.DEFAULT), error.status)
            except ValidationError as error:
                return _error(400, _first_error(error), "invalidValue")


def _first_error(error: ValidationError) -> str:
    errors: list[Any] = list(error.errors())
    first: dict[str, Any] = dict(errors[0]) if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise _Refused(400, "The body is not JSON", "invalidSyntax") from error
    if not isinstance(data, dict):
        raise _Refused(400, "The body must be a JSON object", "invalidSyntax")
    return data


def _route(request: HttpRequest, provider: IdentityProvider, parts: list[str]) -> HttpResponse:
    method = request.method or "GET"
    if not parts:
        raise _Refused(404, "Nothing here: see /ServiceProviderConfig")
    head = parts[0]
    if head == "ServiceProviderConfig" and len(parts) == 1:
        if method != "GET":
            raise _Refused(405, "ServiceProviderConfig is read-only")
        return _json(_dump(_config(request), Context.RESOURCE_QUERY_RESPONSE))
    if head in ("ResourceTypes", "Schemas") and len(parts) <= 2:
        if method != "GET":
            raise _Refused(405, f"{head} is read-only")
        return _discovery(request, head, parts[1] if len(parts) == 2 else None)
    if head == ".search" and len(parts) == 1:
        if method != "POST":
            raise _Refused(405, ".search takes POST")
        return _list(request, provider, None, _body(request))
    if head not in MODELS or len(parts) > 2:
        raise _Refused(404, f"No such resource: {'/'.join(parts)}")
    if len(parts) == 2 and parts[1] == ".search":
        if method != "POST":
            raise _Refused(405, ".search takes POST")
        return _list(request, provider, head, _body(request))
    if len(parts) == 1:
        if method == "GET":
            return _list(request, provider, head)
        if method == "POST":
            return _create(request, provider, head)
        raise _Refused(405, f"{method} is not allowed on /{head}")
    resource = _find(provider, head, parts[1])
    if method == "GET":
        params = _of(ResponseParameters, MODELS[head]).model_validate(_response_params(request))
        obj = _to_model(request, resource)
        return _json(_dump(obj, Context.RESOURCE_QUERY_RESPONSE, params), headers=_etag(resource))
    if method == "PUT":
        obj = MODELS[head].model_validate(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        _check_immutables(request, resource, obj)
        resource = _save(request, provider, resource, obj)
        obj = _to_model(request, resource)
        return _json(_dump(obj, Context.RESOURCE_REPLACEMENT_RESPONSE), headers=_etag(resource))
    if method == "PATCH":
        patch = _of(PatchOp, MODELS[head]).model_validate(
            _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        obj = _to_model(request, resource)
        patch.patch(obj)
        resource = _save(request, provider, resource, obj)
        obj = _to_model(request, resource)
        return _json(_dump(obj, Context.RESOURCE_PATCH_RESPONSE), headers=_etag(resource))
    if method == "DELETE":
        _delete(provider, resource)
        return HttpResponse(status=204)
    raise _Refused(405, f"{method} is not allowed here")


def _check_immutables(request: HttpRequest, resource: ScimResource, obj: Any) -> None:
    """PUT may not change an immutable attribute (scim2-models knows which)."""
    current = _to_model(request, resource)
    try:
        obj.__class__.model_validate(
            obj.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST),
            scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST,
            original=current,
        )
    except TypeError:
        return  # a version of scim2-models without `original`: nothing more to check


def _etag(resource: ScimResource) -> dict[str, str]:
    return {"ETag": f'W/"{resource.version}"'}


def _find(provider: IdentityProvider, head: str, ident: str) -> ScimResource:
    try:
        key = uuid.UUID(ident)
    except ValueError as error:
        raise _Refused(404, f"No such {KINDS[head]}: {ident}") from error
    resource = (
        ScimResource.objects.select_related("user")
        .filter(provider=provider, kind=KINDS[head], scim_id=key)
        .first()
    )
    if resource is None:
        raise _Refused(404, f"No such {KINDS[head]}: {ident}")
    return resource


def _response_params(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if request.GET.get("attributes"):
        params["attributes"] = request.GET["attributes"]
    if request.GET.get("excludedAttributes"):
        params["excludedAttributes"] = request.GET["excludedAttributes"]
    return params


def _list(
    request: HttpRequest,
    provider: IdentityProvider,
    head: str | None,
    body: dict[str, Any] | None = None,
) -> HttpResponse:
    """A page of the council's Users or Groups (both: `head` None, the root's .search): by the
    query (GET) or a SearchRequest (POST .search, `body`)."""
    model: Any = MODELS[head] if head is not None else UserModel | Group
    raw: dict[str, Any]
    if body is not None:
        raw = {k: v for k, v in body.items() if k != "schemas"}
    else:
        raw = _response_params(request)
        for name in ("filter", "startIndex", "count", "sortBy", "sortOrder"):
            if request.GET.get(name):
                raw[name] = request.GET[name]
    try:
        search = _of(SearchRequest, model).model_validate(raw, scim_ctx=Context.SEARCH_REQUEST)
    except ValidationError as error:
        kind = "invalidFilter" if "filter" in raw else "invalidValue"
        raise _Refused(400, _first_error(error), kind) from error
    kinds = [KINDS[head]] if head is not None else list(KINDS.values())
    resources = ScimResource.objects.filter(provider=provider, kind__in=kinds).select_related(
        "user"
    )
    objects = [_to_model(request, r) for r in resources.prefetch_related("member_of")]
    if search.filter is not None:
        objects = [o for o in objects if search.filter.match(o)]
    start = max(1, search.start_index or 1)
    count = min(MAX_COUNT, DEFAULT_COUNT if search.count is None else max(0, search.count))
    page = objects[start - 1 : start - 1 + count]
    listing = _of(ListResponse, model)(
        total_results=len(objects), start_index=start, items_per_page=len(page), resources=page
    )
    return _json(_dump(listing, Context.SEARCH_RESPONSE, search))


def _create(request: HttpRequest, provider: IdentityProvider, head: str) -> HttpResponse:
    obj = MODELS[head].model_validate(_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    resource = ScimResource(provider=provider, kind=KINDS[head], scim_id=uuid.uuid4())
    resource = _save(request, provider, resource, obj)
    out = _to_model(request, resource)
    headers = {"Location": str(out.meta.location), **_etag(resource)}
    return _json(_dump(out, Context.RESOURCE_CREATION_RESPONSE), 201, headers)


def _delete(provider: IdentityProvider, resource: ScimResource) -> None:
    from identity.services import deactivate, set_memberships

    if resource.kind == ScimResource.USER:
        if resource.user is not None:
            deactivate(resource.user)
            set_memberships(resource.user, provider.partner, [])
    else:
        members = list(resource.members.all())
        resource.members.clear()
        _sync_roles(provider, members)
    _log(provider, resource, ChangeAction.DELETE)
    resource.delete()


# Discovery -----------------------------------------------------------------------------------


def _config(request: HttpRequest) -> ServiceProviderConfig:
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="The council's SCIM token, made on its sign-in provider's page",
                primary=True,
            )
        ],
    )
    config.meta = Meta(
        resource_type="ServiceProviderConfig", location=f"{_base(request)}/ServiceProviderConfig"
    )
    return config


def _resource_types(request: HttpRequest) -> list[Any]:
    types = []
    for model in (UserModel, Group):
        kind = ResourceType.from_resource(model)
        kind.meta = Meta(
            resource_type="ResourceType", location=f"{_base(request)}/ResourceTypes/{kind.id}"
        )
        types.append(kind)
    return types


def _schemas(request: HttpRequest) -> list[Any]:
    schemas = []
    for model in (User, EnterpriseUser, Group):
        schema = model.to_schema()
        schema.meta = Meta(resource_type="Schema", location=f"{_base(request)}/Schemas/{schema.id}")
        schemas.append(schema)
    return schemas


def _discovery(request: HttpRequest, head: str, ident: str | None) -> HttpResponse:
    items = _resource_types(request) if head == "ResourceTypes" else _schemas(request)
    if ident is not None:
        for item in items:
            if item.id == ident:
                return _json(_dump(item, Context.RESOURCE_QUERY_RESPONSE))
        raise _Refused(404, f"No such {head[:-1]}: {ident}")
    model = type(items[0])
    listing = _of(ListResponse, model)(
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return _json(_dump(listing, Context.SEARCH_RESPONSE))
