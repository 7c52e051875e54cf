"""Request hygiene before any view runs."""

from django.http import JsonResponse
from django.shortcuts import render

NUL = "\x00"


class RejectNulCharactersMiddleware:
    """A NUL character in the query string is refused with a 400 naming the parameter. PostgreSQL cannot store or
    compare such strings, so every filter that passed one on (`?akte=`, `?q=`, `?state=`, `?department=`) would
    end in a 500; forms already refuse NUL themselves (Django's CharField validator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                field = name.replace(NUL, "\\x00")[:40]
                message = f"{field}: enthält ein Nullzeichen (\\x00), das ist in keinem Parameter erlaubt"
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=400)
                return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)
