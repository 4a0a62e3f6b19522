"""Assessment pages: the class grid, the drop calendar and boards, spreadsheets in and out."""

from strides.assessment import drops_urls, grid_urls, sheets_urls

app_name = "assessment"
urlpatterns = [*grid_urls.urlpatterns, *drops_urls.urlpatterns, *sheets_urls.urlpatterns]
