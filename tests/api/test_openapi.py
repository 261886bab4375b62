import json

from django.test import Client


def _strict(pairs):
    keys = [key for key, _value in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys: {keys}"
    return dict(pairs)


def _document():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content, object_pairs_hook=_strict)


def test_the_document_has_no_duplicate_keys(db):
    """Swagger UI refuses a document with a key twice (e.g. 404 and "404")."""
    assert _document()["openapi"].startswith("3.")


def test_every_operation_documents_its_error_answers(db):
    document = _document()
    assert {"Error", "FieldErrors", "VersionConflict"} <= set(document["components"]["schemas"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" in responses, (method, path)
            if operation.get("security"):
                assert {"401", "403", "429"} <= set(responses), (method, path)
                assert "Retry-After" in responses["429"]["headers"]
            if "{" in path:
                assert "404" in responses, (method, path)
            if method == "patch":
                assert "409" in responses, (method, path)


def test_unknown_api_urls_and_methods_answer_json(api):
    missing = api.get("/api/v1/no-such-thing")
    wrong_method = api.put("/api/v1/tokens")

    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("Not found")
    assert wrong_method.status_code == 405
    assert "PUT" in wrong_method.json()["detail"]
    assert "GET" in wrong_method["Allow"]
