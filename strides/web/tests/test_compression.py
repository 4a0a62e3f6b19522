"""Pages go compressed to a browser that accepts gzip (GZipMiddleware, with Django's BREACH
padding): the trust page of a large trust is about 1 MB of HTML tables."""

import gzip


def test_a_page_is_sent_compressed_to_a_browser_that_accepts_it(cast, client_for):
    client = client_for(cast.head)
    plain = client.get("/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    assert b"<h1" in gzip.decompress(packed.content)
    assert len(packed.content) < len(plain.content)
