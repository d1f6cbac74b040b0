from django import forms
from django.utils.translation import gettext_lazy as _

from .conversion import AMBIGUOUS, MIXED
from .fields import targets
from .models import DateOrder, Kind

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Import"), choices=Kind.choices, initial=Kind.CONTACT)
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "CSV (comma, semicolon or tab; UTF-8, UTF-16, UTF-32 or Windows-1252) or .xlsx; "
            "the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; split it, please."))
        if f.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return f


class MappingForm(forms.Form):
    """One select per target field: which column of the file fills it; for a kind with dates,
    how the file writes them (``date_order``), detected from every row when it can be."""

    def __init__(self, *args, kind: str, headers: list[str], date_order_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.date_order_of = date_order_of  # (headers) -> conversion.detect_date_order(...)
        choices = [("", _("— not imported —"))] + [(h, h) for h in headers if h]
        for t in targets(kind):
            self.fields[t.name] = forms.ChoiceField(
                label=t.label + (" *" if t.required else ""),
                choices=choices,
                required=t.required,
                error_messages={"required": _("Choose the column that holds this (required).")},
            )
            self.fields[t.name].target = t
        self.date_targets = [t.name for t in targets(kind) if t.type == "date"]
        if self.date_targets:
            self.fields["date_order"] = forms.ChoiceField(
                label=_("Dates like 07/04/1980 are"),
                choices=[("", _("detected from the file"))] + DateOrder.choices,
                required=False,
            )

    def target_fields(self):
        return [self[name] for name in self.fields if name != "date_order"]

    def date_headers(self, data: dict) -> list[str]:
        return [data[name] for name in self.date_targets if data.get(name)]

    def clean(self):
        data = super().clean()
        seen = {}
        for name, header in list(data.items()):
            if name == "date_order" or not header:
                continue
            if header in seen:
                self.add_error(
                    name,
                    _("“%(column)s” already fills %(field)s.")
                    % {"column": header, "field": self.fields[seen[header]].label},
                )
            seen.setdefault(header, name)
        self._clean_date_order(data)
        return data

    def _clean_date_order(self, data: dict) -> None:
        headers = self.date_headers(data)
        if not headers or self.date_order_of is None or data.get("date_order"):
            return
        detected = self.date_order_of(headers)
        if detected in DateOrder.values:
            data["date_order"] = detected
        elif detected == AMBIGUOUS:
            self.add_error(
                "date_order",
                _(
                    "Every date in the file reads both ways (07/04/1980 is 7 April or 4 July): "
                    "say whether the day or the month comes first."
                ),
            )
        elif detected == MIXED:
            self.add_error(
                "date_order",
                _(
                    "Some dates have the day first, others the month: say which the file uses "
                    "(the rows written the other way will be rejected)."
                ),
            )

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v and k != "date_order"}


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
