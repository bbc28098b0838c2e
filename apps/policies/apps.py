from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    default_auto_field = "django.db.models.BigAutoField"
