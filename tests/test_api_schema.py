"""The OpenAPI schema and its documentation pages: valid OpenAPI 3, every registry path documented in
Chinese, and Swagger UI / ReDoc served from our own static files (the county network has no internet)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

REGISTRY_PATHS = {
    "/api/households/",
    "/api/households/{household_id}/",
    "/api/households/{household_id}/change-head/",
    "/api/households/{household_id}/history/",
    "/api/households/{household_id}/members/",
    "/api/households/{household_id}/assets/",
    "/api/households/{household_id}/expenses/",
    "/api/households/{household_id}/supporters/",
    "/api/members/{member_id}/",
    "/api/members/{member_id}/remove/",
    "/api/members/{member_id}/reveal-id-number/",
    "/api/members/{member_id}/incomes/",
    "/api/incomes/{id}/",
    "/api/assets/{id}/",
    "/api/expenses/{id}/",
    "/api/supporters/{id}/",
    "/api/me/",
    "/api/regions/",
    "/api/programs/",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def client(world) -> APIClient:
    client = APIClient()
    client.force_login(world.caseworker_a1)
    return client


def test_schema_is_valid_openapi_with_the_registry_paths(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= REGISTRY_PATHS
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert "drf_create_token" in schema["components"]["securitySchemes"]["tokenAuth"]["description"]


def test_every_operation_has_a_chinese_summary_and_description(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert CJK.search(operation.get("summary", "")), (method, path)
            assert CJK.search(operation.get("description", "")), (method, path)


def test_schema_documents_what_the_api_really_does(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert "version" in components["HouseholdUpdateInputRequest"]["required"]
    assert "id_number" not in components["Member"]["properties"]
    assert "id_number_masked" in components["Member"]["properties"]
    assert set(components["RelationEnum"]["enum"]) >= {"head", "spouse", "child"}
    assert components["SupporterRelationEnum"]["enum"] != components["RelationEnum"]["enum"]
    listing = schema["paths"]["/api/households/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"q", "town", "village", "status", "page", "page_size"}
    assert "409" in schema["paths"]["/api/households/{household_id}/"]["patch"]["responses"]


def test_schema_generation_has_no_warnings(tmp_path):
    # the same command CI runs; --fail-on-warn turns any warning into an error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/households/" in (tmp_path / "schema.yaml").read_text(encoding="utf-8")


def test_schema_and_docs_need_a_login(db):
    anonymous = APIClient()
    for url in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert anonymous.get(url).status_code in (401, 403), url


def _assets(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_only_local_assets(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr|cdnjs", html, re.IGNORECASE), html
    static_assets = [a for a in _assets(html) if a.startswith("/static/")]
    assert static_assets, html
    for asset in static_assets:
        # every referenced file exists among the vendored static files
        assert finders.find(asset.removeprefix("/static/").split("?")[0]), asset
    assert "/api/schema/" in html
