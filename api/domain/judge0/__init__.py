"""The Judge0 CE 1.13.1-compatible API at ``/judge0``, backed by Verdict's own judge fleet.

Existing Judge0 clients and SDKs work by changing their base URL and sending a personal access token with the
``judge0`` scope as ``X-Auth-Token``. A Judge0 submission is an ordinary fleet job with inline tests; its answers
reproduce Judge0's field names, formats, status ids and error bodies.

- :mod:`~api.domain.judge0.controllers`: the routes (``judge0_router``) and the Judge0-shaped error handlers;
- :mod:`~api.domain.judge0.services`: create, wait, read, list, delete, retention;
- :mod:`~api.domain.judge0.validation`: Judge0's (Rails') reading and refusal of new submissions;
- :mod:`~api.domain.judge0.results` and :mod:`~api.domain.judge0.statuses`: verdicts to Judge0 statuses;
- :mod:`~api.domain.judge0.present`, :mod:`~api.domain.judge0.fields`, :mod:`~api.domain.judge0.encoding`: answers;
- :mod:`~api.domain.judge0.languages`, :mod:`~api.domain.judge0.config`, :mod:`~api.domain.judge0.info`: the
  language table, ``/config_info`` and the informational routes;
- :mod:`~api.domain.judge0.callbacks` and :mod:`~api.domain.judge0.tasks`: callbacks (allow-listed hosts only,
  sent by the api-tasks worker) and the periodic deletion.
"""
