from django.urls import path

from apps.engine import views

app_name = "engine"
urlpatterns = [
    path("policies/<int:policy_id>/preview/", views.policy_preview, name="preview"),
]
