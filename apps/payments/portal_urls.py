from django.urls import path

from apps.payments import portal_views

# Mounted in the portal (names in the `portal:` namespace).
urlpatterns = [
    path("pay/debts/<uuid:debt_id>/", portal_views.pay_full, name="pay_full"),
    path("pay/instalments/<int:instalment_id>/", portal_views.pay_instalment, name="pay_instalment"),
    path("pay/confirm/", portal_views.pay_confirm, name="pay_confirm"),
    path("pay/cards/", portal_views.saved_cards, name="saved_cards"),
    path("pay/cards/<int:card_id>/stop/", portal_views.saved_card_revoke, name="saved_card_revoke"),
    path("pay/<uuid:card_payment_id>/", portal_views.pay_result, name="pay_result"),
    path("receipts/<uuid:card_payment_id>.pdf", portal_views.pay_receipt, name="pay_receipt"),
]
