"""The product's URLs plus two floor views for ``bench.web`` (bench settings only).

The floor is what any Django page listing the same 50 mines costs on the same server: the same
middleware (session, authentication, CSRF, CSP), a login check, one query for the same rows and
columns in the same order, and a plain template or a plain ``JsonResponse``. No filters, no
count, no navigation, no jurisdiction scoping (the benchmark's user sees every mine anyway).
Our pages are reported as a ratio to it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path

from minesafe.registry.api import MINE_LIST_COLUMNS
from minesafe.registry.models import Mine
from minesafe.registry.views import MINE_ROW_FIELDS
from minesafe.urls import urlpatterns as product

PAGE = 50
TEMPLATE = engines["django"].from_string(
    """<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>煤矿</title></head>
<body><table><thead><tr><th>编码</th><th>名称</th><th>企业</th><th>区县</th><th>状态</th>
<th>监管类别</th><th>瓦斯等级</th><th>产能</th></tr></thead><tbody>
{% for mine in mines %}<tr><td>{{ mine.code }}</td><td><a href="{{ mine.get_absolute_url }}">\
{{ mine.name }}</a></td><td>{{ mine.enterprise.name }}</td><td>{{ mine.county.name }}</td>\
<td>{{ mine.get_status_display }}</td><td>{{ mine.get_supervision_class_display }}</td>\
<td>{{ mine.get_gas_grade_display }}</td><td>{{ mine.capacity }}</td></tr>
{% endfor %}</tbody></table></body></html>"""
)


@login_required
def floor_html(request: HttpRequest) -> HttpResponse:
    mines = Mine.objects.select_related("enterprise", "county").only(*MINE_ROW_FIELDS)
    return HttpResponse(TEMPLATE.render({"mines": mines.order_by("code")[:PAGE]}, request))


@login_required
def floor_json(request: HttpRequest) -> JsonResponse:
    rows = list(Mine.objects.order_by("code").values(*MINE_LIST_COLUMNS)[:PAGE])
    return JsonResponse({"results": rows}, json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("bench-floor/mines/", floor_html),
    path("bench-floor/api/mines/", floor_json),
    *product,
]
