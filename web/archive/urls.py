from django.urls import path

from . import holds, runs, trail, views

app_name = "archive"
urlpatterns = [
    path("", views.dashboard, name="start"),
    path("faellig/", views.due, name="due"),
    path("austauschordner/", views.exchange, name="exchange"),
    path("anbieten/", runs.offer, name="offer"),
    path("laeufe/", runs.runs, name="runs"),
    path("laeufe/<int:pk>/", runs.run_detail, name="run"),
    path("laeufe/<int:pk>/nachricht/", runs.run_upload, name="run_upload"),
    path("laeufe/<int:pk>/freigeben/", runs.run_approve, name="run_approve"),
    path("laeufe/<int:pk>/durchfuehren/", runs.run_execute, name="run_execute"),
    path("laeufe/<int:pk>/fortschritt/", runs.run_progress, name="run_progress"),
    path("laeufe/<int:pk>/erneut-senden/", runs.run_resend_view, name="run_resend"),
    path("laeufe/<int:pk>/abbrechen/", runs.run_cancel, name="run_cancel"),
    path("laeufe/<int:pk>/dateien/<str:key>", runs.run_file, name="run_file"),
    path("laeufe/<int:pk>/pruefpfad/", trail.run_trail, name="run_trail"),
    path("akten/<int:pk>/", trail.akte, name="akte"),
    path("grabstein/<int:pk>/", trail.tombstone, name="tombstone"),
    path("loeschsperren/", holds.holds, name="holds"),
    path("loeschsperren/setzen/", holds.hold_place_by_aktenzeichen, name="hold_place_az"),
    path("loeschsperren/antraege/<int:request_id>/", holds.hold_request_decide_view, name="hold_request_decide"),
    path("loeschsperren/akte/<int:pk>/setzen/", holds.hold_place_view, name="hold_place"),
    path("loeschsperren/akte/<int:pk>/<int:hold_id>/aufheben/", holds.hold_release_view, name="hold_release"),
    path("pruefpfad/", trail.trail, name="trail"),
]
