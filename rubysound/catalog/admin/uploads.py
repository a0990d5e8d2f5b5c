"""Staff upload audio files from the track list: validated, stored in the library, scanned."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from rubysound.catalog.errors import UploadRefused
from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.library.uploads import (
    UPLOAD_FOLDER,
    audio_upload_max_bytes,
    save_uploaded_audio,
)
from rubysound.catalog.models import Track

MAX_FILES_PER_UPLOAD = 50
MESSAGES_SHOWN = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "audio/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(f"Upload at most {MAX_FILES_PER_UPLOAD} files at a time.")
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class AudioUploadForm(forms.Form):
    files = MultipleFileField(label="Audio files")


class AudioUploadMixin:
    """Adds ``upload/`` (``admin:catalog_track_upload``) to the track admin."""

    def get_urls(self):
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="catalog_track_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        """Staff upload audio files: validated, saved into the library, scanned."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AudioUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            self._store_and_scan(request, form.cleaned_data["files"])
            return redirect("admin:catalog_track_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload audio files",
            "form": form,
            "upload_folder": _first_library() / UPLOAD_FOLDER,
            "max_megabytes": audio_upload_max_bytes() // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/catalog/track/upload.html", context)

    def _store_and_scan(self, request, uploads) -> None:
        saved: list[Path] = []
        refused: list[str] = []
        for upload in uploads:
            try:
                saved.append(save_uploaded_audio(upload))
            except UploadRefused as exc:  # each refused file is listed, the others stored
                refused.append(exc.message)
        added: list[Track] = []
        if saved:
            summary = scan_library(saved)
            for issue in summary.failed:  # read as tags, but the scan still refused it
                Path(issue.path).unlink(missing_ok=True)
                refused.append(f"{Path(issue.path).name}: {issue.reason}")
            root = str(_first_library())
            names = [p.relative_to(root).as_posix() for p in saved if p.exists()]
            added = list(
                Track.objects.filter(
                    source=Track.Source.LIBRARY, library_root=root, path__in=names
                ).select_related("artist")
            )
        if added:
            listed = ", ".join(f"{t.artist.name} – {t.title}" for t in added[:MESSAGES_SHOWN])
            more = f" and {len(added) - MESSAGES_SHOWN} more" if len(added) > MESSAGES_SHOWN else ""
            messages.success(
                request, f"Added {len(added)} track(s) to the library: {listed}{more}."
            )
        for reason in refused[:MESSAGES_SHOWN]:
            messages.error(request, f"Refused {reason}")
        if len(refused) > MESSAGES_SHOWN:
            messages.error(request, f"… and {len(refused) - MESSAGES_SHOWN} more refused.")
        if not added and not refused:
            messages.warning(request, "Nothing was added.")


def _first_library() -> Path:
    """Where uploads go: the first configured library folder."""
    return Path(settings.LIBRARY_DIRS[0])
