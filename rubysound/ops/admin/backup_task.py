from django.contrib import admin
from django.shortcuts import redirect

from ..models import BackupTask


@admin.register(BackupTask)
class BackupCenterAdmin(admin.ModelAdmin):
    """The admin index's link to the backup center (/admin/backup/), for superusers only;
    the tasks themselves are listed there."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return redirect("ops_backup:center")
