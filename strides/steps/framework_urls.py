"""The small-step framework pages: list, create, import from a spreadsheet, edit (placeholder
until the framework pages land: no routes yet)."""

urlpatterns: list = []
