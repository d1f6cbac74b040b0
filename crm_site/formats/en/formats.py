"""English date and time formats, used by every page, e-mail, notification and PDF (Django's
``date``/``time`` filters, ``{{ value }}`` and django.utils.formats.date_format). One format
for each: "4 Dec 2026", "22:11", "4 Dec 2026, 22:11". Other languages use Django's own formats
(FORMAT_MODULE_PATH looks here first, then in django/conf/locale)."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "F Y"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
