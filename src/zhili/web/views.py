from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def request_list(request):
    return HttpResponse("placeholder")
