from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path


@login_required
def debtor_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("debtors")


app_name = "debtors"
urlpatterns = [path("", debtor_list, name="list")]
