"""Activities, "My day", the calendar and the iCalendar feed (in progress)."""

urlpatterns = []
