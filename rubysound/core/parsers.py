"""The API's JSON parser: DRF's, with input nested too deeply for it refused as a 400.

Python's JSON decoder recurses once per level of nesting, so a small body of a thousand
``[`` raises RecursionError, which DRF's parser does not catch (a 500). How deep the decoder
can go depends on how deep the call stack already is, so the refusal is caught rather than
predicted; no route of ours takes input nested more than a few levels.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
