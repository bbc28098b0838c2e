from django.urls import path

from apps.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("letters/<uuid:message_id>/pdf/", views.letter_pdf, name="letter_pdf"),
    path("<str:token>/", views.open_link, name="open"),
]
