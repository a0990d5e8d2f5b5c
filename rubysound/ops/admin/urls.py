"""/admin/backup/: mounted before admin/ in rubysound/urls.py."""

from django.urls import path

from . import backup_center as views

app_name = "ops_backup"

urlpatterns = [
    path("", views.superuser_view(views.center), name="center"),
    path("create/", views.superuser_view(views.create), name="create"),
    path("prune/", views.superuser_view(views.prune), name="prune"),
    path("tasks/<uuid:task_id>/", views.superuser_view(views.task_status), name="task"),
    path("<str:name>/verify/", views.superuser_view(views.verify), name="verify"),
    path("<str:name>/restore/", views.superuser_view(views.restore), name="restore"),
    path("<str:name>/delete/", views.superuser_view(views.delete), name="delete"),
    path(
        "<str:name>/download/<str:part>/",
        views.superuser_view(views.download),
        name="download",
    ),
]
