"""The portal's options pages (names in the `portal:` namespace, paths under debts/<debt>/options/)."""

from django.urls import path

from apps.arrangements import portal_views as views

urlpatterns = [
    path("debts/<uuid:debt_id>/options/", views.options_page, name="options"),
    path("debts/<uuid:debt_id>/options/settlement/", views.settlement_accept, name="options_settlement"),
    path("debts/<uuid:debt_id>/options/plan/", views.plan_agree, name="options_plan"),
    path("debts/<uuid:debt_id>/options/promise/", views.promise_agree, name="options_promise"),
    path("debts/<uuid:debt_id>/options/request/", views.none_fit, name="options_request"),
    path("debts/<uuid:debt_id>/options/request/<uuid:case_id>/", views.request_sent, name="options_request_sent"),
    path("debts/<uuid:debt_id>/options/<uuid:arrangement_id>/", views.arrangement_page, name="arrangement"),
]
