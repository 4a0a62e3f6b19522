from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from strides.access.actor import Viewer
from strides.access.gate import schools_with
from strides.accounts.roles import Capability
from strides.imports.batches import CTF_EXTENSIONS, SPREADSHEET_EXTENSIONS


class UploadForm(forms.Form):
    school = forms.ModelChoiceField(
        queryset=None,
        label="School",
        empty_label="Choose a school",
        help_text="The school the pupils are (or will be) on roll at.",
    )
    file = forms.FileField(
        label="File",
        help_text="A CSV or Excel export from your MIS (.csv, .xlsx), or a Common Transfer File (.xml).",
    )

    def __init__(self, *args: Any, user: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = schools_with(user, Capability.IMPORT_PUPILS).order_by("name")
        self.fields["school"].queryset = schools
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].pk
        self.fields["file"].widget.attrs["accept"] = ",".join((*SPREADSHEET_EXTENSIONS, *CTF_EXTENSIONS))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.STRIDES_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest file Strides imports is "
                f"{filesizeformat(limit)}. Split it by year group and import each part."
            )
        if not upload.name.lower().endswith((*SPREADSHEET_EXTENSIONS, *CTF_EXTENSIONS)):
            raise forms.ValidationError(
                "Choose a .csv, .xlsx, .xls or .ods spreadsheet, or a Common Transfer File (.xml)."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload
