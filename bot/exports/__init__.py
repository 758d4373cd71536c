"""Exports to Excel: a registry of kinds (headers + a streamed row source) and the writer."""
