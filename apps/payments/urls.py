from django.urls import path

from apps.payments import views

app_name = "payments"
urlpatterns = [
    path("stripe/", views.stripe_settings, name="stripe"),
    path("stripe/check/", views.stripe_check, name="stripe_check"),
    path("stripe/other-ways-to-pay/", views.instructions_save, name="instructions"),
    path("<uuid:card_payment_id>/refund/", views.card_refund, name="refund"),
]
