"""The version of the conformance suite and of its certificate schema.

The suite version changes when checks are added, removed or made stricter (a
plugin certified under one suite version may fail the next); the schema version
changes when the certificate's shape changes.
"""

from __future__ import annotations

__all__ = ["SCHEMA_ID", "SCHEMA_VERSION", "SUITE_VERSION"]

#: Version of the check catalogue and its rules.
SUITE_VERSION = "1.13.0"
#: Version of the certificate's JSON shape (``certificate.schema.json``).
SCHEMA_VERSION = "2"
#: The ``$id`` of the certificate schema.
SCHEMA_ID = "https://openzoo.dev/schemas/conformance-certificate/v2.json"
