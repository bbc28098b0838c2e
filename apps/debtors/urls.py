from django.urls import path

from apps.debtors import views

app_name = "debtors"
urlpatterns = [
    path("", views.debtor_list, name="list"),
    path("new/", views.debtor_create, name="create"),
    path("<uuid:debtor_id>/", views.debtor_detail, name="detail"),
    path("<uuid:debtor_id>/edit/", views.debtor_edit, name="edit"),
    path("<uuid:debtor_id>/contacts/new/", views.contact_point_add, name="contact_add"),
    path("<uuid:debtor_id>/contacts/<uuid:contact_id>/edit/", views.contact_point_edit, name="contact_edit"),
]
