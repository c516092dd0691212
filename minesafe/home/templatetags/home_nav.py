"""``{% main_nav %}``: the top menu of ``base.html`` (entries in :mod:`minesafe.home.nav`)."""

from __future__ import annotations

from typing import Any

from django import template

from minesafe.home.nav import entries

register = template.Library()


@register.inclusion_tag("home/_nav.html", takes_context=True)
def main_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    match = request.resolver_match
    app_name = match.app_name if match else ""
    url_name = match.url_name if match else ""
    return {"entries": entries(request.user, app_name, url_name or "")}
