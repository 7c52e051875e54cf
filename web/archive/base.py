"""What every view of the archive workspace shares: the entry rule and German messages for refused steps."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import may_enter

PAGE_SIZE = 50


def archive_required(view):
    """Archivists and admins only; anyone else gets the German 403 page of the workspace."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_enter(request.user):
            return render(request, "archive/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
