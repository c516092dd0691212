from django.contrib.auth import views as auth_views
from django.urls import path

from minesafe.accounts import admin_views, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", admin_views.OwnPasswordChangeView.as_view(), name="password_change"),
    path("organizations/", views.organization_list, name="organization_list"),
    path(
        "organizations/new/", admin_views.OrganizationCreateView.as_view(), name="organization_add"
    ),
    path(
        "organizations/<int:pk>/edit/",
        admin_views.OrganizationEditView.as_view(),
        name="organization_edit",
    ),
    path("users/", admin_views.user_list, name="user_list"),
    path("users/new/", admin_views.user_create, name="user_create"),
    path("users/<int:pk>/edit/", admin_views.user_edit, name="user_edit"),
    path("users/<int:pk>/activation/", admin_views.user_activation, name="user_activation"),
    path("users/<int:pk>/password/", admin_views.user_password, name="user_password"),
    path(
        "users/one-time-password/<str:token>/",
        admin_views.user_password_shown,
        name="user_password_shown",
    ),
]
