from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "apps.arrangements"
    default_auto_field = "django.db.models.BigAutoField"
