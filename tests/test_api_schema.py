"""The OpenAPI schema is complete and unambiguous: no generator warnings or errors (API clients
are generated from it; a hashed enum name or a duplicated component breaks them)."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_builds_without_warnings() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=err)
    schema = yaml.safe_load(out.getvalue())
    assert "Warning" not in err.getvalue(), err.getvalue()
    enums = [name for name in schema["components"]["schemas"] if name.endswith("Enum")]
    assert enums and not [n for n in enums if any(c.isdigit() for c in n)], enums


@pytest.mark.django_db
def test_every_workflow_step_body_is_published() -> None:
    """A step that carries more than a reason (a disposal's measures, a confirmation's head
    counts) documents those fields on its viewset's ``steps/{name}/`` operation."""
    from minesafe.core.api import WorkflowActions
    from minesafe.urls import urlpatterns  # noqa: F401  (registers every viewset)

    out = io.StringIO()
    call_command("spectacular", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    components = schema["components"]["schemas"]

    def fields(ref: dict) -> set[str]:
        node = components[ref["$ref"].rsplit("/", 1)[1]]
        if "oneOf" in node:
            return set().union(*(fields(choice) for choice in node["oneOf"]))
        return set(node.get("properties", {}))

    published = {}
    for path, item in schema["paths"].items():
        if path.endswith("/steps/{name}/"):
            body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
            published[path] = fields(body)
    checked = 0
    for viewset in _subclasses(WorkflowActions):
        for serializer in viewset.step_serializers.values():
            names = set(serializer().fields)
            assert any(names <= seen for seen in published.values()), (viewset, names)
            checked += 1
    assert checked >= 4 and all("reason" in seen for seen in published.values())


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
