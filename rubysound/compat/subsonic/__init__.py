"""The Subsonic API (1.16.1) with the OpenSubsonic extensions, under ``/rest/``.

A protocol adapter: it reads through the catalog and social selectors, writes through their
services, and owns only the protocol (parameters, authentication, ids, rendering to XML
and JSON). Every answer is HTTP 200 in the protocol's own shape, errors included.
"""
