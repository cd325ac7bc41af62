"""The OpenAPI schema and the offline Swagger UI."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from core.api.testing import api_client

pytestmark = pytest.mark.django_db


def test_schema_endpoint_serves_openapi_3(cast):
    response = api_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/rooms/",
        "/api/v1/rooms/{id}/",
        "/api/v1/rooms/import/",
        "/api/v1/partners/",
        "/api/v1/room-types/",
        "/api/v1/pacts/",
        "/api/v1/memberships/",
        "/api/v1/changes/",
        "/api/v1/auth/token/",
    ):
        assert path in paths, path
    # Pacts and memberships declare no import fields: no import endpoint.
    assert "/api/v1/pacts/import/" not in paths
    assert set(paths["/api/v1/changes/"]) == {"get"}
    names = {p["name"] for p in paths["/api/v1/rooms/"]["get"]["parameters"]}
    assert {"cursor", "page_size", "ordering", "q", "partner", "room_type", "is_active"} <= names
    page = schema["components"]["schemas"]["PaginatedSiteList"]
    assert set(page["properties"]) == {"next", "previous", "results"}
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_documents_errors_etags_and_if_match(cast):
    schema = api_client().get("/api/schema/?format=json").json()
    assert "Error" in schema["components"]["schemas"]
    patch = schema["paths"]["/api/v1/rooms/{id}/"]["patch"]
    assert {"400", "401", "403", "404", "412", "415"} <= set(patch["responses"])
    assert "If-Match" in {p["name"] for p in patch["parameters"]}
    assert "ETag" in patch["responses"]["200"]["headers"]
    listing = schema["paths"]["/api/v1/rooms/"]["get"]
    assert "If-None-Match" in {p["name"] for p in listing["parameters"]}
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "429" in token["responses"] and "401" not in token["responses"]


def test_a_record_read_with_query_parameters_documents_its_400(cast):
    """A GET of one record that takes a query parameter (a contract's dates ``?on=``) may be
    answered 400 (a bad value, a NUL in the query): schemathesis found it undocumented."""
    schema = api_client().get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        read = operations.get("get")
        if not (path.startswith("/api/v1/") and "{" in path and read):
            continue
        if any(p["in"] == "query" for p in read.get("parameters", [])):
            assert "400" in read["responses"], path
    plain = schema["paths"]["/api/v1/rooms/{id}/"]["get"]
    assert "400" not in plain["responses"]  # no query parameter: nothing to be bad


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")


def test_swagger_ui_loads_nothing_from_outside(cast):
    client = api_client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for url in sources:
        assert not url.startswith(("http:", "https:", "//")), url
    assert "swagger-ui-bundle.js" in html
    # The start-up script is its own file, so the CSP needs no inline script.
    assert "<script>" not in html
    [script] = [u for u in sources if "script" in u and "bundle" not in u and "preset" not in u]
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert "SwaggerUIBundle" in init.content.decode()
    assert "validatorUrl" in init.content.decode()
    assert "validator.swagger.io" not in init.content.decode()
    assert "'self'" in page["Content-Security-Policy"]


def test_swagger_ui_static_files_are_installed():
    from django.contrib.staticfiles import finders

    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name


def test_the_schema_says_what_the_answers_are(cast):
    """What schemathesis found the schema getting wrong (core/tests/test_api_fuzz.py)."""
    schema = api_client().get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    # A change made by no person, a file attached by the system: null.
    assert components["ChangeRecord"]["properties"]["actor"]["nullable"] is True
    assert components["Attachment"]["properties"]["uploaded_by"]["nullable"] is True
    # A download of an attachment that is not there (or not yours) is a 404, of any type.
    download = schema["paths"]["/api/v1/attachments/{id}/download/"]["get"]["responses"]
    assert "404" in download and set(download["200"]["content"]) == {"*/*"}
    # An import's 400 is its result, or the error every endpoint gives.
    bad = schema["paths"]["/api/v1/rooms/import/"]["post"]["responses"]["400"]
    assert bad["content"]["application/json"]["schema"] == {
        "anyOf": [
            {"$ref": "#/components/schemas/ImportResult"},
            {"$ref": "#/components/schemas/Error"},
        ]
    }
