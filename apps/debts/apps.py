from django.apps import AppConfig


class DebtsConfig(AppConfig):
    name = "apps.debts"
    default_auto_field = "django.db.models.BigAutoField"
