"""Drive the admin's access-changing pages as a person would (the test client logged in as an administrator):
the Akte object-permission page, the Akte form, the user form. Each returns the response."""


def set_access(client, akte, *, level: str, user=None, group=None):
    """The object-permission page of one Akte, for a user or a group (departments: their group)."""
    kind, pk = ("user", user.pk) if user is not None else ("group", group.pk)
    return client.post(f"/admin/akten/akte/{akte.pk}/permissions/{kind}-manage/{pk}/", {"level": level})


def change_akte(client, akte, **changes):
    """The Akte form with the Akte's current values, `changes` applied (e.g. lead_department=<pk>)."""
    data = {
        "title": akte.title,
        "lead_department": akte.lead_department_id,
        "vertraulichkeit": akte.vertraulichkeit,
        "opened_on": akte.opened_on.isoformat() if akte.opened_on else "",
        "aussonderungsart": akte.aussonderungsart,
        "holds-TOTAL_FORMS": "0",
        "holds-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return client.post(f"/admin/akten/akte/{akte.pk}/change/", data)


def change_user(client, user, *, groups=None, active=None, superuser=None):
    """The user form with the user's current values; `groups` (Group objects), `active` and `superuser` (the
    superuser flag) replace theirs."""
    url = f"/admin/auth/user/{user.pk}/change/"
    form = client.get(url).context["adminform"].form
    skip = {"password", "groups", "user_permissions", "last_login", "date_joined", "is_active", "is_superuser"}
    data = {k: v for k, v in form.initial.items() if v is not None and k not in skip}
    data.update(
        {
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "groups": [g.pk for g in (user.groups.all() if groups is None else groups)],
        }
    )
    if active if active is not None else user.is_active:
        data["is_active"] = "on"
    if superuser if superuser is not None else user.is_superuser:
        data["is_superuser"] = "on"
    return client.post(url, data)
