"""The PBX integration API: models, errors and the async client. No Qt here."""
