"""Importers: problem folders of other judges rewritten as ICPC packages before they are read."""
