from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .workspaces import start_url


@login_required
def start(request):
    """After login and at `/`: the workspace of the user's main role."""
    return redirect(start_url(request.user))


@login_required
def no_workspace(request):
    return render(request, "web/no_workspace.html", status=403)
