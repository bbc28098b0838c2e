from django.urls import path

from apps.debts import views

app_name = "debts"
urlpatterns = [
    path("", views.debt_list, name="list"),
    path("new/for/<uuid:debtor_id>/", views.debt_create, name="create"),
    path("<uuid:debt_id>/", views.debt_detail, name="detail"),
    path("<uuid:debt_id>/edit/", views.debt_edit, name="edit"),
    path("<uuid:debt_id>/payments/", views.debt_payment_add, name="payment_add"),
    path("<uuid:debt_id>/adjustments/", views.debt_adjustment_add, name="adjustment_add"),
    path("<uuid:debt_id>/actions/<slug:name>/", views.debt_transition, name="transition"),
]
