"""The portal's help pages (names in the `portal:` namespace, paths under help/ and preferences/)."""

from django.urls import path

from apps.casework import portal_views as views

urlpatterns = [
    path("help/", views.help_index, name="help"),
    path("help/requests/<uuid:case_id>/", views.help_request, name="help_request"),
    path("help/debts/<uuid:debt_id>/dispute/", views.dispute, name="help_dispute"),
    path("help/debts/<uuid:debt_id>/already-paid/", views.already_paid, name="help_already_paid"),
    path("help/debts/<uuid:debt_id>/not-mine/", views.not_me, name="help_not_me"),
    path("help/hardship/", views.hardship, name="help_hardship"),
    path("help/callback/", views.callback, name="help_callback"),
    path("preferences/", views.preferences, name="preferences"),
]
