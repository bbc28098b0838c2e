"""Staff account pages on a tenant's host."""

from django.contrib.auth import views as auth_views
from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("welcome/", views.handover, name="handover"),
    path("profile/", views.profile, name="profile"),
    path("staff/", views.staff, name="staff"),
    path("staff/<uuid:public_id>/role/", views.user_role, name="user_role"),
    path("staff/<uuid:public_id>/deactivate/", views.user_deactivate_view, name="user_deactivate"),
    path("staff/<uuid:public_id>/reactivate/", views.user_reactivate_view, name="user_reactivate"),
    path("invitations/<uuid:public_id>/revoke/", views.invitation_revoke_view, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("settings/", views.tenant_settings, name="tenant_settings"),
    path("settings/logo/", views.tenant_logo, name="tenant_logo"),
]
