from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "apps.contact"
    default_auto_field = "django.db.models.BigAutoField"
