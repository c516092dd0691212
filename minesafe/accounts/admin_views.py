"""Account administration pages (ACC): list, create, edit, deactivate or reactivate, reset a
password. Who may do what is :mod:`minesafe.accounts.services`; every lookup goes through
``restrict`` (``User.objects.restrict(actor, CHANGE)``) and every change is audited."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_safe

from minesafe.accounts import services
from minesafe.accounts.forms import (
    AccountForm,
    ActivationForm,
    OrganizationForm,
    PasswordResetForm,
)
from minesafe.accounts.models import Organization, User, anchor_model
from minesafe.core.models import AuditEntry
from minesafe.core.scoping import ADD, CHANGE, VIEW
from minesafe.core.views import ScopedFormView, get_scoped, paginate, query_without, require


def _declares(action: str, form_class: Any = None) -> Any:
    """Declare the model, action and form of a view (the permission walk reads them)."""

    def mark(view: Any) -> Any:
        view.model = view.pk_model = User
        view.action = action
        if form_class is not None:
            view.form_class = form_class
        return view

    return mark


def _require_admin(request: HttpRequest) -> None:
    if not services.may_administer(request.user):
        raise PermissionDenied("仅系统管理员和监管部门可管理用户")


def _account(request: HttpRequest, pk: int) -> Any:
    """An account the user administers: 404 outside its jurisdiction, 403 for its own."""
    account = get_scoped(User, request.user, CHANGE, pk=pk)
    if account.pk == request.user.pk:
        raise PermissionDenied("不能在此修改本人的账号（请由上级或系统管理员办理）")
    return account


@login_required
@require_safe
@_declares(VIEW)
def user_list(request: HttpRequest) -> HttpResponse:
    """The accounts the user administers, filtered by name, role, body and status."""
    _require_admin(request)
    accounts = services.administered(request.user).select_related(
        "organization", "enterprise", "mine"
    )
    q = request.GET.get("q", "").strip()[:100]
    if q:
        accounts = accounts.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(title__icontains=q)
        )
    role = request.GET.get("role", "")
    if role in services.grantable_roles(request.user):
        accounts = accounts.filter(role=role)
    status = request.GET.get("status", "")
    if status in ("active", "inactive"):
        accounts = accounts.filter(is_active=status == "active")
    unit = request.GET.get("unit", "").strip()[:100]
    if unit:
        accounts = accounts.filter(
            Q(organization__name__icontains=unit)
            | Q(enterprise__name__icontains=unit)
            | Q(mine__name__icontains=unit)
        )
    page = paginate(request, accounts.order_by("username"))
    roles = [(v, label) for v, label in User._meta.get_field("role").choices]
    context = {
        "page": page,
        "q": q,
        "unit": unit,
        "role": role,
        "status": status,
        "roles": [(v, label) for v, label in roles if v in services.grantable_roles(request.user)],
        "page_query": query_without(request, "page"),
    }
    return render(request, "accounts/user_list.html", context)


def _form_page(request: HttpRequest, form: Any, title: str, account: Any, status: int = 200):
    history = []
    if account is not None and account.pk:
        history = AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(account.pk)
        ).order_by("-time", "-id")[:50]
    rows = [(entry, _readable(entry.changes)) for entry in history]
    context = {"form": form, "title": title, "account": account, "history": rows}
    return render(request, "accounts/user_form.html", context, status=status)


def _readable(changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    """An account's audit changes as the page shows them: field names in Chinese, roles by
    name, bodies by name, yes/no for flags."""
    related = {
        "organization_id": Organization,
        "enterprise_id": anchor_model("enterprise"),
        "mine_id": anchor_model("mine"),
    }
    roles = dict(User._meta.get_field("role").choices)
    labels = {"password": "密码", "first_name": "姓名"}

    def shown(name: str, value: Any) -> str:
        if value in (None, ""):
            return "—"
        if name in related:
            found = related[name]._default_manager.filter(pk=value).first()
            return str(found) if found is not None else f"（已删除的记录 {value}）"
        if name == "role":
            return str(roles.get(value, value))
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)

    rows = []
    for name, pair in changes.items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        if name not in labels:
            try:
                labels[name] = str(User._meta.get_field(name.removesuffix("_id")).verbose_name)
            except FieldDoesNotExist:
                labels[name] = name
        rows.append((labels[name], shown(name, old), shown(name, new)))
    return rows


#: Session key of the one-time passwords waiting to be shown, each under a random token.
ONE_TIME_KEY = "one_time_passwords"
#: At most this many wait in a session (the oldest are dropped, never shown).
ONE_TIME_KEPT = 5


def _shown_once(request: HttpRequest, account: Any, password: str) -> HttpResponse:
    """POST/redirect/GET: keep the password in the session under a random token and redirect to
    the page that shows it once, so reloading that page never posts the form again."""
    token = secrets.token_urlsafe(16)
    pending = dict(list(request.session.get(ONE_TIME_KEY, {}).items())[-(ONE_TIME_KEPT - 1) :])
    pending[token] = {"account": account.pk, "password": password}
    request.session[ONE_TIME_KEY] = pending
    response = HttpResponseRedirect(reverse("user_password_shown", args=[token]))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def user_password_shown(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time password kept under ``token``, shown exactly once: it leaves the session as
    it is read, and a second visit says so (ACC)."""
    _require_admin(request)
    pending = dict(request.session.get(ONE_TIME_KEY, {}))
    entry = pending.pop(token, None)
    if entry is not None:
        request.session[ONE_TIME_KEY] = pending
    account = None
    if isinstance(entry, dict):
        account = services.administered(request.user).filter(pk=entry.get("account")).first()
    context = {"account": account, "password": entry["password"] if account else None}
    response = render(request, "accounts/user_password_shown.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@_declares(ADD, AccountForm)
def user_create(request: HttpRequest) -> HttpResponse:
    """A new account with a one-time password shown once; it must be changed at first login."""
    _require_admin(request)
    if request.method == "GET":
        return _form_page(request, AccountForm(actor=request.user), "新增用户", None)
    form = AccountForm(request.POST, actor=request.user, instance=User())
    if not form.is_valid():
        return _form_page(request, form, "新增用户", None, status=400)
    reason = form.cleaned_data["reason"]
    account = services.save_account(form.save(commit=False), None, reason)
    password = services.one_time_password()
    services.reset_password(account, password, reason, generated=True)
    return _shown_once(request, account, password)


@login_required
@require_http_methods(["GET", "POST"])
@_declares(CHANGE, AccountForm)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Name, role and the body the role acts for."""
    account = _account(request, pk)
    title = f"编辑用户 {account.username}"
    if request.method == "GET":
        form = AccountForm(instance=account, actor=request.user)
        return _form_page(request, form, title, account)
    old = services.audited_values(account)
    form = AccountForm(request.POST, instance=account, actor=request.user)
    if not form.is_valid():
        return _form_page(request, form, title, account, status=400)
    services.save_account(form.save(commit=False), old, form.cleaned_data["reason"])
    messages.success(request, f"用户 {account.username} 已保存")
    return HttpResponseRedirect(reverse("user_list"))


@login_required
@require_http_methods(["GET", "POST"])
@_declares(CHANGE)
def user_activation(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate an active account (it can no longer sign in) or reactivate it."""
    account = _account(request, pk)
    title = f"{'停用' if account.is_active else '启用'}用户 {account.username}"
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_active(account, not account.is_active, form.cleaned_data["reason"])
        state = "启用" if account.is_active else "停用"
        messages.success(request, f"用户 {account.username} 已{state}")
        return HttpResponseRedirect(reverse("user_list"))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, form, title, account, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@_declares(CHANGE)
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Reset a password: generated and shown once, or set by the administrator."""
    account = _account(request, pk)
    title = f"重置用户 {account.username} 的密码"
    form = PasswordResetForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        generated = form.cleaned_data["mode"] == PasswordResetForm.GENERATE
        password = services.one_time_password() if generated else form.cleaned_data["password"]
        services.reset_password(account, password, form.cleaned_data["reason"], generated=generated)
        if generated:
            return _shown_once(request, account, password)
        messages.success(request, f"用户 {account.username} 的密码已重置，下次登录须修改")
        return HttpResponseRedirect(reverse("user_list"))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, form, title, account, status=status)


class OwnPasswordChangeView(PasswordChangeView):
    """Change one's own password; clears the duty to change a password an administrator set."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        messages.success(self.request, "密码已修改")
        return response


class OrganizationCreateView(ScopedFormView):
    """Register a body (audited with its reason by the form kit)."""

    model = Organization
    form_class = OrganizationForm
    action = ADD
    title = "新增监管机构"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Organization:
        require(request.user, Organization, ADD)
        if not services.may_administer(request.user):
            raise PermissionDenied("您没有执行此操作的权限")
        own = request.user.organization
        return Organization(parent=own, division=own.division if own else None)

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}

    def success_url(self, obj: Any) -> str:
        return reverse("organization_list")


class OrganizationEditView(OrganizationCreateView):
    """Edit a body below one's own (a body above it or one's own body is refused)."""

    action = CHANGE
    title = "编辑监管机构"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Organization:
        organization = get_scoped(Organization, request.user, CHANGE, pk=kwargs["pk"])
        if not services.is_platform_admin(request.user) and (
            organization.pk == request.user.organization_id
            or not services.organizations_for(request.user).filter(pk=organization.pk).exists()
        ):
            raise PermissionDenied("只能编辑本级以下的机构")
        return organization
