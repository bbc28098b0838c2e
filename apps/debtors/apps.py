from django.apps import AppConfig


class DebtorsConfig(AppConfig):
    name = "apps.debtors"
    default_auto_field = "django.db.models.BigAutoField"
