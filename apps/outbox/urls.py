from django.urls import path

from apps.outbox import views

app_name = "outbox"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/inbound/<slug:provider>/", views.sms_inbound, name="sms_inbound"),
    path("sms/status/<slug:provider>/", views.sms_status, name="sms_status"),
    path("phone/", views.phone_tasks, name="phone_tasks"),
    path("phone/<uuid:message_id>/done/", views.phone_task_done, name="phone_task_done"),
    path("debtors/<uuid:debtor_id>/email/", views.manual_email, name="manual_email"),
]
