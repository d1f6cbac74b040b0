from django import forms

from .fields import targets
from .models import Kind

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="Import", choices=Kind.choices, initial=Kind.CONTACT)
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="CSV (comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252) or .xlsx; "
        "the first row names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB; split it, please.")
        if f.size == 0:
            raise forms.ValidationError("The file is empty.")
        return f


class MappingForm(forms.Form):
    """One select per target field: which column of the file fills it."""

    def __init__(self, *args, kind: str, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        choices = [("", "— not imported —")] + [(h, h) for h in headers if h]
        for t in targets(kind):
            self.fields[t.name] = forms.ChoiceField(
                label=t.label + (" *" if t.required else ""),
                choices=choices,
                required=t.required,
                error_messages={"required": "Choose the column that holds this (required)."},
            )
            self.fields[t.name].target = t

    def clean(self):
        data = super().clean()
        seen = {}
        for name, header in data.items():
            if not header:
                continue
            if header in seen:
                self.add_error(name, f"“{header}” already fills {self.fields[seen[header]].label}.")
            seen.setdefault(header, name)
        return data

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}


class VCardUploadForm(forms.Form):
    file = forms.FileField(
        label="vCard file (.vcf)",
        help_text="vCard 2.1, 3.0 or 4.0; one or many cards per file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".vcf,.vcard,text/vcard"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 10 MB.")
        return f
