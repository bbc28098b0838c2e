from django.urls import path

from apps.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<int:policy_id>/", views.policy_detail, name="detail"),
    path("<int:policy_id>/draft/", views.draft_open, name="draft_open"),
    path("<int:policy_id>/v<int:number>/", views.version_detail, name="version"),
    path("<int:policy_id>/v<int:number>/publish/", views.version_publish, name="publish"),
    path("<int:policy_id>/v<int:number>/steps/", views.step_add, name="step_add"),
    path("<int:policy_id>/v<int:number>/steps/<int:step_id>/", views.step_edit, name="step_edit"),
    path("<int:policy_id>/v<int:number>/steps/<int:step_id>/remove/", views.step_remove, name="step_remove"),
    path("<int:policy_id>/v<int:number>/steps/<int:step_id>/up/", views.step_move, {"direction": "up"}, name="step_up"),
    path(
        "<int:policy_id>/v<int:number>/steps/<int:step_id>/down/",
        views.step_move,
        {"direction": "down"},
        name="step_down",
    ),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("scripts/", views.script_list, name="scripts"),
    path("scripts/<uuid:script_id>/", views.script_edit, name="script_edit"),
    path("scripts/<uuid:script_id>/preview/", views.script_preview, name="script_preview"),
    path("margins/", views.margins_edit, name="margins"),
    path("contact-rules/", views.contact_rules_edit, name="contact_rules"),
]
