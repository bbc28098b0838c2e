from django.urls import include, path

from apps.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("letters/<uuid:message_id>/pdf/", views.letter_pdf, name="letter_pdf"),
    # Options and arrangements (Q3), card payments and receipts (Q4), help (Q5): each app's portal pages.
    path("", include("apps.arrangements.portal_urls")),
    path("", include("apps.payments.portal_urls")),
    path("", include("apps.casework.portal_urls")),
    # Last: a personal link's token matches any single path segment.
    path("<str:token>/", views.open_link, name="open"),
]
