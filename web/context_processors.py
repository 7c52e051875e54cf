from .workspaces import workspaces_for


def workspaces(request):
    """The header's workspace links; `active` is the workspace whose URL prefixes the current path."""
    opened = workspaces_for(getattr(request, "user", None))  # no user on pages rendered before authentication
    path = request.path
    active = max((url for _, url in opened if path.startswith(url)), key=len, default=None)
    return {
        "nav_workspaces": [
            {"key": ws.key, "label": ws.label, "url": url, "active": url == active} for ws, url in opened
        ]
    }
