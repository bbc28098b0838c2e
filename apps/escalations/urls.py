from django.urls import path

from apps.escalations import views

app_name = "escalations"
urlpatterns = [
    path("", views.handoff_list, name="list"),
    path("debts/<uuid:debt_id>/", views.debt_panel, name="debt"),
    path("debts/<uuid:debt_id>/attorney-letter/", views.attorney_letter, name="attorney_letter"),
    path("debts/<uuid:debt_id>/hand-off/", views.handoff, name="handoff"),
    path("debts/<uuid:debt_id>/write-off/", views.write_off, name="write_off"),
    path("hand-offs/<uuid:handoff_id>/take-back/", views.recall, name="recall"),
]
