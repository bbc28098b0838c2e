from django.urls import path

from apps.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("approvals/", views.approvals, name="approvals"),
    path("phone/<uuid:message_id>/", views.phone_task_call, name="phone_task"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/claim/", views.case_claim, name="claim"),
    path("<uuid:case_id>/assign/", views.case_assign, name="assign"),
    path("<uuid:case_id>/notes/", views.case_note, name="note"),
    path("<uuid:case_id>/call/", views.case_call, name="call"),
    path("<uuid:case_id>/resolve/", views.case_resolve, name="resolve"),
    path("<uuid:case_id>/documents/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
