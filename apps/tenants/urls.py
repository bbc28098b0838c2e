"""Public site on the base domain: landing, signup, the platform operator console."""

from django.urls import path

from apps.tenants import views

app_name = "tenants"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("operator/", views.operator_tenants, name="operator_tenants"),
    path("operator/login/", views.operator_login, name="operator_login"),
    path("operator/logout/", views.operator_logout, name="operator_logout"),
    path("operator/tenants/<int:pk>/suspend/", views.operator_suspend, name="operator_suspend"),
    path("operator/tenants/<int:pk>/reactivate/", views.operator_reactivate, name="operator_reactivate"),
]
