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
