"""The manuals served at ``/help``: Markdown under ``docs/`` (see :mod:`api.domain.help.manual`) and their search."""
