"""Importing helpers and households from spreadsheets; the `import` and `admin grant` commands."""
