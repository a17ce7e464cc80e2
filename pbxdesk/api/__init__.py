"""The PBX integration API: models, errors and the async client. No Qt here.

Modules: ``client`` (:class:`~pbxdesk.api.client.PbxClient`, the one entry point),
``settings`` (connection settings and their checks), ``history`` (paging a whole
date range), ``parse`` (envelope and rows), ``responses`` (failures to
errors), ``retry``, ``budget``, ``dial`` (click-to-call fields), ``models`` and
``errors``. Nothing is imported here, so ``pbxdesk.api.models`` stays cheap to
import for code that never talks HTTP.
"""
