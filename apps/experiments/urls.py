from django.urls import path

from apps.experiments import views

app_name = "experiments"
urlpatterns = [
    path("", views.experiment_index, name="list"),
    path("<uuid:experiment_id>/", views.experiment_detail, name="detail"),
    path("<uuid:experiment_id>/edit/", views.experiment_edit, name="edit"),
    path("<uuid:experiment_id>/arms/", views.arm_add, name="arm_add"),
    path("<uuid:experiment_id>/arms/<int:arm_id>/", views.arm_edit, name="arm_edit"),
    path("<uuid:experiment_id>/arms/<int:arm_id>/remove/", views.arm_remove, name="arm_remove"),
    path("<uuid:experiment_id>/weights/", views.experiment_weights, name="weights"),
    path("<uuid:experiment_id>/start/", views.experiment_start, name="start"),
    path("<uuid:experiment_id>/stop/", views.experiment_stop, name="stop"),
    path("<uuid:experiment_id>/discard/", views.experiment_discard, name="discard"),
    path("<uuid:experiment_id>/report/", views.experiment_results, name="report"),
]
