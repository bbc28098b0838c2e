"""URLs served on the base domain: the public site, signup and the platform operator console."""

from django.urls import include, path

from apps.payments.webhooks import stripe_webhook

urlpatterns = [
    path("", include("apps.tenants.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Each tenant's Stripe account posts its events here (the tenant is named in the path; see apps.payments).
    path("webhooks/stripe/<slug:subdomain>/", stripe_webhook, name="stripe_webhook"),
]
