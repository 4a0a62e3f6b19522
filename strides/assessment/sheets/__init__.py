"""Data-drop spreadsheets in and out (docs/importing-drops.md).

- :mod:`.template`: a school's drop template (XLSX): pupils pre-filled, a drop-down of the allowed
  codes in every cell, the previous drop's levels beside them, instructions on a second sheet.
- :mod:`.reader` and :mod:`.importer`: reading the template or an analyst's own spreadsheet (XLSX
  or CSV) into judgements, recorded all or nothing by
  :func:`strides.assessment.services.bulk_judgements.record_judgements`.
- :mod:`.batches` and :mod:`.tasks`: an upload kept between its preview and its commit; large files
  are worked on in the background.
- :mod:`.export`: a drop's data for analysts (XLSX or CSV), with formulas neutralised.
"""
