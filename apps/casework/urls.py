from django.urls import path

from apps.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/assign/", views.case_assign, name="assign"),
    path("<uuid:case_id>/resolve/", views.case_resolve, name="resolve"),
    path("<uuid:case_id>/documents/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
