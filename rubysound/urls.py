from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

# The admin under RubySound's name (its colours and icon: core/templates/admin/base_site.html).
admin.site.site_header = _("RubySound administration")
admin.site.site_title = _("RubySound admin")
admin.site.index_title = _("Library, listeners and operations")

urlpatterns = [
    path("", include("rubysound.ops.api.urls")),
    path("api/", include("rubysound.accounts.api.urls")),
    path("api/", include("rubysound.catalog.api.urls")),
    path("api/", include("rubysound.social.urls")),
    path("", include("rubysound.compat.urls")),
    path("admin/backup/", include("rubysound.ops.admin.urls")),
    path("admin/", admin.site.urls),
    path("", include("rubysound.web.urls")),
]

if not settings.PRODUCTION:
    # Uploaded media on an embedded install; production serves them from a volume behind
    # the ingress.
    urlpatterns += [
        re_path(r"^media/(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler400 = "rubysound.core.views.bad_request"
handler403 = "rubysound.core.views.permission_denied"
handler404 = "rubysound.core.views.page_not_found"
handler500 = "rubysound.core.views.server_error"
