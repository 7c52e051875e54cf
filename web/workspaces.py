"""Which workspaces a user's roles open, in the order of the header, and the start page after login
(../shared/UI.md, "Shape of a page": the start page is the workspace of the user's main role)."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from akten.access import user_roles
from dms.models import Role


@dataclass(frozen=True)
class Workspace:
    key: str
    label: str
    url_name: str
    roles: frozenset[str]  # any of these opens it


# Header order; the first one a user may open is their start page. Caseworkers read Akten and search; the scan
# role works in the Scanstelle only; archivists run the Aussonderung (and may search metadata).
WORKSPACES = (
    Workspace("akten", "Akten", "akten:my_akten", frozenset({Role.CASEWORKER, Role.LEAD, Role.ADMIN})),
    Workspace("suche", "Suche", "search:search", frozenset({Role.CASEWORKER, Role.LEAD, Role.ARCHIVIST, Role.ADMIN})),
    Workspace("scan", "Scanstelle", "scan:start", frozenset({Role.SCAN, Role.ADMIN})),
    Workspace("archiv", "Aussonderung", "archive:start", frozenset({Role.ARCHIVIST, Role.ADMIN})),
)


def workspaces_for(user) -> list[tuple[Workspace, str]]:
    """(workspace, url) for each workspace the user's roles open and the project has installed."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = user_roles(user)
    found = []
    for ws in WORKSPACES:
        if not (roles & ws.roles or user.is_superuser):
            continue
        try:
            found.append((ws, reverse(ws.url_name)))
        except NoReverseMatch:  # a workspace whose URLs are not installed (yet) is not offered
            continue
    return found


# The workspace each role works in every day: the start page is the first (in header order) of the user's roles'
# home workspaces, so an archivist starts in the Aussonderung rather than in the search it may also use.
HOME = {Role.CASEWORKER: "akten", Role.ADMIN: "akten", Role.SCAN: "scan", Role.ARCHIVIST: "archiv"}


def start_url(user) -> str:
    opened = workspaces_for(user)
    homes = {HOME[r] for r in user_roles(user) if r in HOME}
    home = next((url for ws, url in opened if ws.key in homes), None)
    return home or (opened[0][1] if opened else reverse("web:no_workspace"))
