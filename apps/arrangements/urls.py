"""Staff actions on arrangements (namespace `arrangements`, mounted at /arrangements/)."""

from django.urls import path

from apps.arrangements import views

app_name = "arrangements"
urlpatterns = [
    path("<uuid:arrangement_id>/approve/", views.approve, name="approve"),
    path("<uuid:arrangement_id>/decline/", views.decline, name="decline"),
    path("instalments/<int:instalment_id>/payment/", views.instalment_payment, name="instalment_payment"),
]
