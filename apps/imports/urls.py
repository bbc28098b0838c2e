from django.urls import path

from apps.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("<uuid:job_id>/", views.import_detail, name="detail"),
    path("<uuid:job_id>/report.csv", views.import_report, name="report"),
]
